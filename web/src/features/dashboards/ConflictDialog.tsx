import { Dialog } from '../../components/Dialog';
import type { Conflict } from './use-layout-saver';

/** A save was refused with 409: the user reloads (drops their change) or overwrites. */
export function ConflictDialog({
  conflicts,
  onReload,
  onOverwrite,
}: {
  conflicts: Conflict[];
  onReload(): void;
  onOverwrite(): void;
}) {
  const names = conflicts.map((c) => `“${c.title}”`).join(', ');
  return (
    <Dialog
      title="Someone else changed this layout"
      onClose={onReload}
      className="conflict-dialog"
      actions={
        <>
          <button type="button" className="button" onClick={onReload} data-autofocus>
            Reload their version
          </button>
          <button type="button" className="button primary" onClick={onOverwrite}>
            Overwrite with mine
          </button>
        </>
      }
    >
      <p>
        {conflicts.length === 1 ? 'The widget' : 'The widgets'} {names} changed on the server while you were
        moving {conflicts.length === 1 ? 'it' : 'them'}
        {conflicts.length === 1 && conflicts[0]?.currentVersion !== undefined
          ? ` (now version ${conflicts[0].currentVersion})`
          : ''}
        . Your change was <strong>not saved</strong>.
      </p>
      <ul>
        <li>
          <strong>Reload</strong> shows the dashboard as it is now and drops your change.
        </li>
        <li>
          <strong>Overwrite</strong> saves your position over theirs.
        </li>
      </ul>
    </Dialog>
  );
}
