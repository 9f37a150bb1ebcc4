import { useState, type ReactNode } from 'react';
import type { Session } from '../session';
import { ConfirmDialog } from './ConfirmDialog';
import { ScopedButton } from './ScopedButton';

/**
 * A list row's action that cannot be undone (delete, remove, revoke): its button, disabled without the scope, and
 * the "Are you sure?" it opens. `onConfirm` makes the change (its error stays in the dialog); the dialog closes,
 * then `onDone` runs (reload the list, or sign out when one removed oneself).
 */
export function ConfirmAction({
  s,
  held,
  scope,
  label,
  ariaLabel,
  danger,
  title,
  action,
  onConfirm,
  onDone,
  children,
}: {
  s: Session;
  /** The permissions that decide the button (the role's, or what the page was given). */
  held: readonly string[];
  scope: string;
  /** The button's text (`Delete`) and its accessible name (`Delete Nightly window`). */
  label: string;
  ariaLabel: string;
  /** A red button in the row too, not only in the dialog. */
  danger?: boolean;
  title: string;
  /** The dialog's confirming button (`Delete window`). */
  action: string;
  onConfirm: () => Promise<unknown>;
  onDone: () => unknown;
  children: ReactNode;
}) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <ScopedButton held={held} scope={scope} className={danger ? 'danger' : undefined} aria-label={ariaLabel} onClick={() => setOpen(true)}>
        {label}
      </ScopedButton>
      {open && (
        <ConfirmDialog
          s={s}
          title={title}
          action={action}
          onClose={() => setOpen(false)}
          onConfirm={async () => {
            await onConfirm();
            setOpen(false);
            await onDone();
          }}
        >
          {children}
        </ConfirmDialog>
      )}
    </>
  );
}
