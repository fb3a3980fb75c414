// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';
import { Grid } from './Grid';
import type { GridItem } from './layout';

afterEach(cleanup);

const items: GridItem[] = [
  { id: 'a', position: { x: 0, y: 0, w: 4, h: 2 } },
  { id: 'b', position: { x: 4, y: 0, w: 4, h: 2 } },
];

function setup() {
  const onCommit = vi.fn();
  render(
    <Grid
      items={items}
      columns={12}
      rowHeight={64}
      gap={12}
      editable
      onCommit={onCommit}
      labelOf={(it) => it.id}
      renderItem={(it, c) => (
        <button type="button" {...c.move}>
          Move {it.id}
        </button>
      )}
    />,
  );
  return { onCommit, grip: screen.getByRole('button', { name: 'Move a' }) };
}

it('a quick drag lands where the pointer is let go, even if no move was rendered in between', () => {
  const { onCommit, grip } = setup();
  // Row step: 64 + 12 = 76 px. Down, then up two rows lower, with no pointermove between.
  fireEvent.pointerDown(grip, { button: 0, pointerId: 1, clientX: 50, clientY: 50 });
  fireEvent.pointerUp(grip, { pointerId: 1, clientX: 50, clientY: 50 + 2 * 76 });
  expect(onCommit).toHaveBeenCalledTimes(1);
  const moved = onCommit.mock.calls[0]?.[0] as GridItem[];
  expect(moved.find((c) => c.id === 'a')?.position).toEqual({ x: 0, y: 2, w: 4, h: 2 });
});

it('a drag released where it started commits nothing; another pointer is ignored', () => {
  const { onCommit, grip } = setup();
  fireEvent.pointerDown(grip, { button: 0, pointerId: 1, clientX: 50, clientY: 50 });
  fireEvent.pointerMove(grip, { pointerId: 1, clientX: 50, clientY: 300 });
  fireEvent.pointerUp(grip, { pointerId: 2, clientX: 50, clientY: 300 });
  expect(onCommit).not.toHaveBeenCalled();
  fireEvent.pointerUp(grip, { pointerId: 1, clientX: 52, clientY: 55 });
  expect(onCommit).not.toHaveBeenCalled();
});
