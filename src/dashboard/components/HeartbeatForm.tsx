import { useState, type FormEvent } from 'react';
import { CreateHeartbeatDocument, UpdateHeartbeatDocument, type CreateHeartbeatInput, type HeartbeatFieldsFragment } from '../../client/generated/graphql';
import { ApiError, gql } from '../api';
import type { Session } from '../session';
import { fieldErrors, placeErrors, type FieldErrors } from '../fieldErrors';
import { Dialog } from './Dialog';
import { ErrorNote } from './ErrorNote';
import { FieldNote, describe } from './FieldNote';

/** The form as typed: a period or a cron expression says when a success is expected. */
interface Draft {
  name: string;
  when: 'period' | 'cron';
  periodSeconds: string;
  cron: string;
  timezone: string;
  graceSeconds: string;
  tags: string;
}

const EMPTY: Draft = { name: '', when: 'period', periodSeconds: '86400', cron: '0 3 * * *', timezone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC', graceSeconds: '300', tags: '' };
const SHOWN = ['name', 'periodSeconds', 'cron', 'timezone', 'graceSeconds', 'tags'];

const fromHeartbeat = (h: HeartbeatFieldsFragment): Draft => ({
  name: h.name,
  when: h.cron ? 'cron' : 'period',
  periodSeconds: String(h.periodSeconds ?? 86400),
  cron: h.cron ?? '0 3 * * *',
  timezone: h.timezone,
  graceSeconds: String(h.graceSeconds),
  tags: h.tags.join(', '),
});

function toInput(d: Draft): { input: CreateHeartbeatInput; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const int = (field: string, v: string) => {
    if (!/^\d+$/.test(v.trim())) errors[field] = 'must be a whole number of seconds';
    return Number(v);
  };
  const input: CreateHeartbeatInput = {
    name: d.name,
    ...(d.when === 'period' ? { periodSeconds: int('periodSeconds', d.periodSeconds) } : { cron: d.cron.trim(), timezone: d.timezone.trim() }),
    graceSeconds: int('graceSeconds', d.graceSeconds),
    tags: d.tags.split(/[\s,]+/).filter(Boolean),
  };
  return { input, errors };
}

/** Create a heartbeat, or edit one (`heartbeat` given). The API's field errors appear next to their field. */
export function HeartbeatForm({ s, heartbeat, onClose, onSaved }: { s: Session; heartbeat?: HeartbeatFieldsFragment; onClose: () => void; onSaved: (h: HeartbeatFieldsFragment) => void }) {
  const [d, setD] = useState<Draft>(() => (heartbeat ? fromHeartbeat(heartbeat) : EMPTY));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setD((x) => ({ ...x, [k]: v }));

  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    const { input, errors: mine } = toInput(d);
    if (Object.keys(mine).length) return setErrors(mine);
    setBusy(true);
    setErrors({});
    try {
      onSaved(heartbeat ? (await gql(UpdateHeartbeatDocument, { id: heartbeat.id, input })).updateHeartbeat : (await gql(CreateHeartbeatDocument, { input })).createHeartbeat);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return s.lost(err.display);
      setErrors(placeErrors(fieldErrors(err), SHOWN));
      setBusy(false);
    }
  };

  const e = errors;
  return (
    <Dialog title={heartbeat ? `Edit “${heartbeat.name}”` : 'New heartbeat'} labelledBy="heartbeat-form-title" onClose={onClose}>
      <form onSubmit={submit} noValidate className="check-form">
        <ErrorNote error={e.form} />
        <label htmlFor="h-name">Name</label>
        <input id="h-name" value={d.name} maxLength={100} onChange={(x) => set('name', x.target.value)} {...describe('h-name', e.name)} autoFocus />
        <FieldNote id="h-name" error={e.name} />

        <fieldset>
          <legend>Expected</legend>
          <label>
            <input type="radio" name="h-when" checked={d.when === 'period'} onChange={() => set('when', 'period')} /> every period
          </label>
          <label>
            <input type="radio" name="h-when" checked={d.when === 'cron'} onChange={() => set('when', 'cron')} /> on a cron schedule
          </label>
        </fieldset>
        {d.when === 'period' ? (
          <>
            <label htmlFor="h-period">Period (seconds)</label>
            <input id="h-period" inputMode="numeric" value={d.periodSeconds} onChange={(x) => set('periodSeconds', x.target.value)} {...describe('h-period', e.periodSeconds)} />
            <FieldNote id="h-period" error={e.periodSeconds} />
          </>
        ) : (
          <div className="form-row">
            <div>
              <label htmlFor="h-cron">Cron expression</label>
              <input id="h-cron" value={d.cron} placeholder="30 2 * * *" onChange={(x) => set('cron', x.target.value)} {...describe('h-cron', e.cron)} />
              <FieldNote id="h-cron" error={e.cron} />
            </div>
            <div>
              <label htmlFor="h-tz">Time zone</label>
              <input id="h-tz" value={d.timezone} placeholder="Europe/Paris" onChange={(x) => set('timezone', x.target.value)} {...describe('h-tz', e.timezone)} />
              <FieldNote id="h-tz" error={e.timezone} />
            </div>
          </div>
        )}
        <label htmlFor="h-grace">Grace (seconds)</label>
        <input id="h-grace" inputMode="numeric" value={d.graceSeconds} onChange={(x) => set('graceSeconds', x.target.value)} {...describe('h-grace', e.graceSeconds, 'h-grace-hint')} />
        <p id="h-grace-hint" className="hint">How late a ping may be before the heartbeat is down.</p>
        <FieldNote id="h-grace" error={e.graceSeconds} />
        <label htmlFor="h-tags">Tags</label>
        <input id="h-tags" value={d.tags} placeholder="nightly, backup" onChange={(x) => set('tags', x.target.value)} {...describe('h-tags', e.tags)} />
        <FieldNote id="h-tags" error={e.tags} />

        <div className="actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" disabled={busy}>
            {heartbeat ? 'Save changes' : 'Create heartbeat'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
