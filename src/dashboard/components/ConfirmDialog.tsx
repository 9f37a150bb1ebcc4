import { useState, type ReactNode } from 'react';
import { ApiError } from '../api';
import type { Session } from '../session';
import { Dialog } from './Dialog';
import { ErrorNote } from './ErrorNote';

/**
 * "Are you sure?" for an action that cannot be undone: Cancel has focus first (Enter does no harm), the action's
 * error stays in the dialog, and a 401 signs out.
 */
export function ConfirmDialog({ s, title, action, onClose, onConfirm, children }: { s: Session; title: string; action: string; onClose: () => void; onConfirm: () => Promise<void>; children: ReactNode }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const go = async () => {
    setBusy(true);
    try {
      await onConfirm();
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return s.lost(e.display);
      setError(e instanceof ApiError ? e.display : String(e));
      setBusy(false);
    }
  };
  return (
    <Dialog title={title} onClose={onClose}>
      {children}
      <ErrorNote error={error} />
      <div className="actions">
        <button type="button" onClick={onClose} autoFocus>
          Cancel
        </button>
        <button type="button" className="danger" onClick={go} disabled={busy}>
          {action}
        </button>
      </div>
    </Dialog>
  );
}
