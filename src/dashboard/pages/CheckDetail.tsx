import { useCheckDetail } from '../useCheckDetail';
import type { Session } from '../session';
import { ErrorNote } from '../components/ErrorNote';
import { CheckHead } from '../components/CheckHead';
import { ConfirmDialog } from '../components/ConfirmDialog';
import type { DashboardKind, DetailCheck, ListRow } from '../kinds/kind';
import { RunRecordedDocument } from '../../client/generated/graphql';
import { useLive } from '../live';

/** One check: Run now / Edit / Pause / Resume / Delete, what its kind shows of it, and its runs. */
export function CheckDetail<Check extends DetailCheck, Run extends { id: string; status: string }>({
  s,
  kind,
  id,
}: {
  s: Session;
  kind: DashboardKind<ListRow, Check, Run>;
  id: string;
}) {
  const { check, setCheck, runs, busy, dialog, setDialog, closeDialog, error, runNow, togglePaused, load } = useCheckDetail(s, id, {
    load: () => kind.detail.load(id),
    run: () => kind.run(id),
    pause: () => kind.pause(id),
    resume: () => kind.resume(id),
  });
  // each run of this check as it is recorded: the check (its status) and its runs read again
  useLive(RunRecordedDocument, { checkId: id }, load);
  const held = s.perms;
  const { name, plural, title, detail, Form } = kind;

  return (
    <section aria-labelledby={`${name}-title`}>
      <p>
        <a href={`#/${plural}`}>← {title}</a>
      </p>
      <ErrorNote error={error} />
      {check && (
        <>
          <CheckHead
            kind={kind}
            held={held}
            check={check}
            busy={busy}
            onRun={runNow}
            onEdit={() => setDialog('edit')}
            onTogglePaused={togglePaused}
            onDelete={() => setDialog('delete')}
          />
          <detail.Overview s={s} id={id} check={check} />
          <h2>Runs</h2>
          {runs.length === 0 && <p className="hint">No runs yet.</p>}
          <ol className="runs">
            {runs.map((r, i) => (
              <li key={r.id} className={`run ${r.status.toLowerCase()}`}>
                <detail.RunItem run={r} open={i === 0} />
              </li>
            ))}
          </ol>
          {dialog === 'edit' && (
            <Form
              s={s}
              check={check}
              onClose={closeDialog}
              onSaved={(c) => {
                setDialog(null);
                setCheck(c);
              }}
            />
          )}
          {dialog === 'delete' && (
            <ConfirmDialog
              s={s}
              title={`Delete “${check.name}”?`}
              action={`Delete ${name}`}
              onClose={closeDialog}
              onConfirm={async () => {
                await kind.remove(id);
                window.location.hash = `#/${plural}`;
              }}
            >
              <p>The {name} stops running and its runs and alerts are deleted with it. This cannot be undone.</p>
            </ConfirmDialog>
          )}
        </>
      )}
    </section>
  );
}
