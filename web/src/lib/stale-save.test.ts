import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/client';
import { staleAfterSave } from './stale-save';

const conflict = new ApiError(409, 'conflict', 'changed');
const gone = new ApiError(404, 'not_found', 'gone');

describe('staleAfterSave', () => {
  it('reads the record again after a 409', async () => {
    const onStale = vi.fn();
    const read = vi.fn(async () => ({ id: 'x', version: 4 }));
    expect(await staleAfterSave(conflict, read, onStale)).toEqual({
      kind: 'changed',
      latest: { id: 'x', version: 4 },
    });
    expect(onStale).toHaveBeenCalledOnce();
    expect(read).toHaveBeenCalledOnce();
  });

  it('calls a 404, also on the read after a 409, deleted', async () => {
    const read = vi.fn(async () => {
      throw gone;
    });
    expect(await staleAfterSave(gone, read)).toEqual({ kind: 'deleted' });
    expect(read).not.toHaveBeenCalled();
    expect(await staleAfterSave(conflict, read)).toEqual({ kind: 'deleted' });
  });

  it('leaves other errors, and a 409 whose record cannot be read, to the caller', async () => {
    const onStale = vi.fn();
    const read = vi.fn(async () => {
      throw new ApiError(500, 'internal', 'down');
    });
    expect(await staleAfterSave(new ApiError(400, 'bad_request', 'no'), read, onStale)).toBeNull();
    expect(await staleAfterSave(new Error('offline'), read, onStale)).toBeNull();
    expect(onStale).not.toHaveBeenCalled();
    expect(await staleAfterSave(conflict, read, onStale)).toBeNull();
    expect(onStale).toHaveBeenCalledOnce();
  });
});
