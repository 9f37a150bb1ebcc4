import { useCallback, useEffect, useState } from 'react';
import type { Session } from './session';
import { useApi } from './useApi';

/** How a detail page reads and changes its check (a monitor or a journey). */
export interface CheckDetailOps<C, R> {
  /** The check and its newest runs. */
  load: () => Promise<[C, R[]]>;
  run: () => Promise<unknown>;
  pause: () => Promise<C>;
  resume: () => Promise<C>;
}

/**
 * The state of a check's detail page: the check and its runs (read again after Run now), Run now and Pause/Resume
 * with the control busy meanwhile, the open dialog (edit, delete), and the API's error. `ops` may be made anew on
 * every render: it is read for the `s` and `id` it was made with.
 */
export function useCheckDetail<C extends { paused: boolean }, R>(s: Session, id: string, ops: CheckDetailOps<C, R>) {
  const [check, setCheck] = useState<C | null>(null);
  const [runs, setRuns] = useState<R[]>([]);
  const [busy, setBusy] = useState<'run' | 'pause' | null>(null);
  const [dialog, setDialog] = useState<'edit' | 'delete' | null>(null);
  const { error, call } = useApi(s);

  // `ops` is made from `s` and `id`: those are its dependencies.
  const load = useCallback(async () => {
    const data = await call(ops.load);
    if (!data) return;
    setCheck(data[0]);
    setRuns(data[1]);
  }, [s, id, call]);
  useEffect(() => void load(), [load]);

  const runNow = async () => {
    setBusy('run');
    if (await call(ops.run)) await load();
    setBusy(null);
  };
  const togglePaused = async () => {
    setBusy('pause');
    const done = await call(check!.paused ? ops.resume : ops.pause);
    if (done) setCheck(done);
    setBusy(null);
  };
  const closeDialog = useCallback(() => setDialog(null), []);

  return { check, setCheck, runs, busy, dialog, setDialog, closeDialog, error, runNow, togglePaused, load };
}
