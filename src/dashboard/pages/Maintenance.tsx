import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { CreateMaintenanceWindowDocument, DeleteMaintenanceWindowDocument, MaintenanceWindowsDocument, type MaintenanceWindowFieldsFragment } from '../../client/generated/graphql';
import { gql } from '../api';
import { useApi } from '../useApi';
import type { Session } from '../session';
import { dateTime } from '../format';
import { KINDS } from '../kinds';
import { holds } from '../scopes';
import { Dialog } from '../components/Dialog';
import { ConfirmAction } from '../components/ConfirmAction';
import { ErrorNote } from '../components/ErrorNote';
import { FieldNote, describe } from '../components/FieldNote';
import { MissingScopes } from '../components/MissingScopes';
import { ScopedButton } from '../components/ScopedButton';
import { fieldErrors, placeErrors, type FieldErrors } from '../fieldErrors';

type Window = MaintenanceWindowFieldsFragment;

/** A window's state now: scheduled, in progress, or over. */
const stateOf = (w: Window, now = Date.now()) => (Date.parse(w.endsAt) <= now ? 'over' : Date.parse(w.startsAt) <= now ? 'in progress' : 'scheduled');

/**
 * Maintenance windows: while one is in progress, its checks' failures open no alert and send nothing, and their
 * statistics leave the time out. Listed newest first; created (name, start, end, which checks) and deleted here.
 */
export function Maintenance({ s }: { s: Session }) {
  const [windows, setWindows] = useState<Window[] | null>(null);
  const [checks, setChecks] = useState<Map<string, string>>(new Map());
  const [creating, setCreating] = useState(false);
  const { error, call } = useApi(s);
  const held = s.perms;

  const load = useCallback(async () => {
    const data = await call(() => gql(MaintenanceWindowsDocument, { first: 100 }));
    if (data) setWindows(data.maintenanceWindows.nodes);
  }, [s, call]);
  useEffect(() => void load(), [load]);
  // the checks' names, for the windows' lists and the form (each kind the member may read)
  useEffect(() => {
    void Promise.all(KINDS.filter((k) => holds(held, `${k.scopes ?? k.plural}:read`)).map((k) => k.list.load().catch(() => [])))
      .then((lists) => setChecks(new Map(lists.flat().map((c) => [c.id, c.name]))));
  }, [held]);

  return (
    <section aria-labelledby="maintenance-title">
      <div className="section-head">
        <h1 id="maintenance-title">Maintenance windows</h1>
        <ScopedButton held={held} scope="alerts:write" onClick={() => setCreating(true)}>
          New maintenance window
        </ScopedButton>
      </div>
      <MissingScopes held={held} needs={[{ scope: 'alerts:write', what: 'New maintenance window and Delete are' }]} />
      <p className="hint">While a window is in progress its checks still run, but their failures open no alert and send no notification, and statistics leave that time out.</p>
      <ErrorNote error={error} />
      {windows && windows.length === 0 && <p className="hint">No maintenance windows.</p>}
      {windows && windows.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="sr-only">Maintenance windows, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">State</th>
                <th scope="col">From</th>
                <th scope="col">To</th>
                <th scope="col">Checks</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {windows.map((w) => (
                <tr key={w.id} data-window-id={w.id}>
                  <td>{w.name}</td>
                  <td data-label="State">{stateOf(w)}</td>
                  <td data-label="From">{dateTime(w.startsAt)}</td>
                  <td data-label="To">{dateTime(w.endsAt)}</td>
                  <td data-label="Checks">{w.checkIds.map((id) => checks.get(id) ?? id).join(', ')}</td>
                  <td>
                    <ConfirmAction
                      s={s}
                      held={held}
                      scope="alerts:write"
                      label="Delete"
                      ariaLabel={`Delete ${w.name}`}
                      title={`Delete “${w.name}”?`}
                      action="Delete window"
                      onConfirm={() => gql(DeleteMaintenanceWindowDocument, { id: w.id })}
                      onDone={load}
                    >
                      <p>Its checks alert again from now on if they fail.</p>
                    </ConfirmAction>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {creating && (
        <WindowForm
          s={s}
          checks={checks}
          onClose={() => setCreating(false)}
          onSaved={() => {
            setCreating(false);
            void load();
          }}
        />
      )}
    </section>
  );
}

/** A `datetime-local` value (the browser's time zone) for an instant. */
const local = (ms: number) => {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
};

function WindowForm({ s, checks, onClose, onSaved }: { s: Session; checks: Map<string, string>; onClose: () => void; onSaved: () => void }) {
  const [name, setName] = useState('');
  const [startsAt, setStartsAt] = useState(() => local(Date.now() + 5 * 60_000));
  const [endsAt, setEndsAt] = useState(() => local(Date.now() + 65 * 60_000));
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      const at = (v: string) => (v ? new Date(v).toISOString() : v); // the input's local time, as an instant
      await gql(CreateMaintenanceWindowDocument, { input: { name, startsAt: at(startsAt), endsAt: at(endsAt), checkIds: chosen.size ? [...chosen] : undefined } });
      onSaved();
    } catch (err) {
      const fields = fieldErrors(err);
      setErrors(placeErrors(fields, ['name', 'startsAt', 'endsAt', 'checkIds']));
      setBusy(false);
    }
  };
  return (
    <Dialog title="New maintenance window" onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <label htmlFor="mw-name">Name</label>
        <input id="mw-name" value={name} onChange={(e) => setName(e.target.value)} {...describe('mw-name', errors.name)} />
        <FieldNote id="mw-name" error={errors.name} />
        <label htmlFor="mw-starts">Starts</label>
        <input id="mw-starts" type="datetime-local" value={startsAt} onChange={(e) => setStartsAt(e.target.value)} {...describe('mw-starts', errors.startsAt)} />
        <FieldNote id="mw-starts" error={errors.startsAt} />
        <label htmlFor="mw-ends">Ends</label>
        <input id="mw-ends" type="datetime-local" value={endsAt} onChange={(e) => setEndsAt(e.target.value)} {...describe('mw-ends', errors.endsAt)} />
        <FieldNote id="mw-ends" error={errors.endsAt} />
        <fieldset>
          <legend>Checks (none chosen: every check)</legend>
          {[...checks].map(([id, checkName]) => (
            <label key={id} className="check">
              <input
                type="checkbox"
                checked={chosen.has(id)}
                onChange={(e) => {
                  const next = new Set(chosen);
                  if (e.target.checked) next.add(id);
                  else next.delete(id);
                  setChosen(next);
                }}
              />{' '}
              {checkName}
            </label>
          ))}
        </fieldset>
        <FieldNote id="mw-checks" error={errors.checkIds} />
        <ErrorNote error={errors.form ?? null} />
        <div className="actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" disabled={busy}>
            Create window
          </button>
        </div>
      </form>
    </Dialog>
  );
}
