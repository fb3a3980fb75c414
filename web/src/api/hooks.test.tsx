// @vitest-environment jsdom
import { act, renderHook, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { useResource } from './hooks';

interface Item {
  id: string;
}
const upsert = (it: Item) => (l: Item[] | undefined) => [it, ...(l ?? []).filter((x) => x.id !== it.id)];

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  return { promise, resolve, reject };
}

describe('useResource', () => {
  it('keeps changes made while the list loads (a create, a live event), without doubling them', async () => {
    const first = deferred<Item[]>();
    const { result } = renderHook(() => useResource('k', () => first.promise));
    expect(result.current.loading).toBe(true);
    act(() => result.current.mutate(upsert({ id: 'new' })));
    act(() => result.current.mutate(upsert({ id: 'b' })));
    // The server's answer was read before "new" existed, and already has "b".
    await act(async () => first.resolve([{ id: 'a' }, { id: 'b' }]));
    expect(result.current.loading).toBe(false);
    expect(result.current.data?.map((x) => x.id).sort()).toEqual(['a', 'b', 'new']);

    // Once loaded, a change applies once and is not replayed by a later reload.
    act(() => result.current.mutate(upsert({ id: 'c' })));
    expect(result.current.data?.map((x) => x.id).sort()).toEqual(['a', 'b', 'c', 'new']);
  });

  it('replays changes made during a reload onto the fresh data, and none after it', async () => {
    let next = deferred<Item[]>();
    const { result } = renderHook(() => useResource('k', () => next.promise));
    await act(async () => next.resolve([{ id: 'a' }]));
    act(() => result.current.mutate(upsert({ id: 'early' }))); // before the reload: the server has it
    next = deferred<Item[]>();
    act(() => result.current.reload());
    await waitFor(() => expect(result.current.loading).toBe(true));
    act(() => result.current.mutate(upsert({ id: 'during' })));
    await act(async () => next.resolve([{ id: 'a' }]));
    // "early" was made before the reload began: the fresh list (without it) wins.
    expect(result.current.data?.map((x) => x.id).sort()).toEqual(['a', 'during']);
  });
});
