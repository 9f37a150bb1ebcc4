import type { ReactNode } from 'react';
import { ScopedButton } from './ScopedButton';
import { MissingScopes } from './MissingScopes';

/** What the headings read of a kind (kinds/kind.ts): its word, its plural (its scopes' prefix) and its title. */
type KindWords = { name: string; plural: string; title: string; scopes?: string };

/**
 * A check's heading on its page: name, status, and Run now / Edit / Pause or Resume / Delete, each disabled with
 * the reason when the role lacks `<kind>s:run` or `<kind>s:write`.
 */
export function CheckHead({
  kind,
  held,
  check,
  busy,
  onRun,
  onEdit,
  onTogglePaused,
  onDelete,
}: {
  kind: KindWords;
  held: readonly string[];
  check: { name: string; status: string; paused: boolean };
  busy: 'run' | 'pause' | null;
  onRun: () => void;
  onEdit: () => void;
  onTogglePaused: () => void;
  onDelete: () => void;
}) {
  const write = `${kind.scopes ?? kind.plural}:write`;
  const run = `${kind.scopes ?? kind.plural}:run`;
  const status = (
    <span className={`status ${check.status.toLowerCase()}`} data-testid={`${kind.name}-status`}>
      {check.status}
    </span>
  );
  return (
    <Head kind={kind} held={held} titleId={`${kind.name}-title`} title={check.name} afterTitle={status} writeWhat="Edit, Pause, Resume and Delete are">
      <ScopedButton held={held} scope={run} className="primary" onClick={onRun} disabled={busy !== null}>
        {busy === 'run' ? 'Running…' : 'Run now'}
      </ScopedButton>
      <ScopedButton held={held} scope={write} onClick={onEdit}>
        Edit
      </ScopedButton>
      <ScopedButton held={held} scope={write} onClick={onTogglePaused} disabled={busy !== null}>
        {check.paused ? 'Resume' : 'Pause'}
      </ScopedButton>
      <ScopedButton held={held} scope={write} className="danger" onClick={onDelete}>
        Delete
      </ScopedButton>
    </Head>
  );
}

/** A kind's list heading: New <kind> (needs `<kind>s:write`) and the missing-scope notice. */
export function ChecksHead({ kind, held, onNew }: { kind: KindWords; held: readonly string[]; onNew: () => void }) {
  return (
    <Head kind={kind} held={held} titleId={`${kind.plural}-title`} title={kind.title} writeWhat={`creating, editing, pausing and deleting ${kind.plural} are`}>
      <ScopedButton held={held} scope={`${kind.scopes ?? kind.plural}:write`} className="primary" onClick={onNew}>
        New {kind.name}
      </ScopedButton>
    </Head>
  );
}

/**
 * The heading both share: the title (and what follows it), the toolbar, and the notice naming what the role cannot
 * do without `<kind>s:write` (`writeWhat`) or `<kind>s:run` (Run now).
 */
function Head({
  kind,
  held,
  titleId,
  title,
  afterTitle,
  writeWhat,
  children,
}: {
  kind: KindWords;
  held: readonly string[];
  titleId: string;
  title: string;
  afterTitle?: ReactNode;
  writeWhat: string;
  children: ReactNode;
}) {
  return (
    <>
      <div className="section-head">
        <h1 id={titleId}>{title}</h1>
        {afterTitle}
        <div className="toolbar">{children}</div>
      </div>
      <MissingScopes
        held={held}
        needs={[
          { scope: `${kind.scopes ?? kind.plural}:write`, what: writeWhat },
          { scope: `${kind.scopes ?? kind.plural}:run`, what: 'Run now is' },
        ]}
      />
    </>
  );
}

/** A list row's Run now (needs `<kind>s:run`), showing Running… while that check runs. */
export function RunNowButton({ kind, held, check, running, onRun }: { kind: KindWords; held: readonly string[]; check: { id: string; name: string }; running: string | null; onRun: () => void }) {
  return (
    <ScopedButton held={held} scope={`${kind.scopes ?? kind.plural}:run`} disabled={running === check.id} onClick={onRun} aria-label={`Run ${check.name} now`}>
      {running === check.id ? 'Running…' : 'Run now'}
    </ScopedButton>
  );
}
