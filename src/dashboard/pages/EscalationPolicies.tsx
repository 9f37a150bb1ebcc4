import { useCallback, useEffect, useState, type FormEvent } from 'react';
import {
  CreateEscalationPolicyDocument,
  DeleteEscalationPolicyDocument,
  EscalationPoliciesDocument,
  NotificationChannelsDocument,
  UpdateEscalationPolicyDocument,
  type EscalationPoliciesQuery,
  type NotificationChannelsQuery,
} from '../../client/generated/graphql';
import { ApiError, gql } from '../api';
import { useApi } from '../useApi';
import type { Session } from '../session';
import { holds } from '../scopes';
import { fieldErrors, type FieldErrors } from '../fieldErrors';
import { ErrorNote } from '../components/ErrorNote';
import { FieldNote, describe } from '../components/FieldNote';
import { ScopedButton } from '../components/ScopedButton';

type Policy = EscalationPoliciesQuery['escalationPolicies']['nodes'][number];
type Channel = NotificationChannelsQuery['notificationChannels']['nodes'][number];
interface Draft {
  name: string;
  steps: Array<{ afterMinutes: string; channelIds: string[] }>;
  repeatAfterMinutes: string;
  maxRepeats: string;
}

const blank = (): Draft => ({ name: '', steps: [{ afterMinutes: '0', channelIds: [] }], repeatAfterMinutes: '', maxRepeats: '0' });
const draftOf = (p: Policy): Draft => ({
  name: p.name,
  steps: p.steps.map((s) => ({ afterMinutes: String(s.afterMinutes), channelIds: [...s.channelIds] })),
  repeatAfterMinutes: p.repeatAfterMinutes ? String(p.repeatAfterMinutes) : '',
  maxRepeats: String(p.maxRepeats),
});

/**
 * Settings › Escalation: who hears a check's alerts, and when, until someone acknowledges (step 1 at the opening,
 * later steps after their minutes, repeats). A check picks its policy in its own form.
 */
export function EscalationPolicies({ s }: { s: Session }) {
  const held = s.perms;
  const [policies, setPolicies] = useState<Policy[] | null>(null);
  const [channels, setChannels] = useState<Channel[]>([]);
  const [editing, setEditing] = useState<{ id: string | null; draft: Draft } | null>(null);
  const [errors, setErrors] = useState<FieldErrors>({});
  const { error, call } = useApi(s);

  const load = useCallback(async () => {
    const data = await call(() => gql(EscalationPoliciesDocument, { first: 100 }));
    if (data) setPolicies(data.escalationPolicies.nodes);
    if (holds(held, 'organization:read')) {
      const c = await call(() => gql(NotificationChannelsDocument, { first: 100 }));
      if (c) setChannels(c.notificationChannels.nodes);
    }
  }, [call, held]);
  useEffect(() => void load(), [load]);
  const names = new Map(channels.map((c) => [c.id, c.name]));

  const save = async (ev: FormEvent) => {
    ev.preventDefault();
    if (!editing) return;
    const d = editing.draft;
    const input = {
      name: d.name,
      steps: d.steps.map((x) => ({ afterMinutes: Number(x.afterMinutes), channelIds: x.channelIds })),
      repeatAfterMinutes: d.repeatAfterMinutes ? Number(d.repeatAfterMinutes) : 0,
      maxRepeats: Number(d.maxRepeats || 0),
    };
    try {
      if (editing.id) await gql(UpdateEscalationPolicyDocument, { id: editing.id, input });
      else await gql(CreateEscalationPolicyDocument, { input });
      setEditing(null);
      setErrors({});
      await load();
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return s.lost(e.display);
      setErrors(fieldErrors(e));
    }
  };
  const remove = async (p: Policy) => {
    if (await call(() => gql(DeleteEscalationPolicyDocument, { id: p.id }))) await load();
  };

  const d = editing?.draft;
  const set = (next: Partial<Draft>) => editing && setEditing({ ...editing, draft: { ...editing.draft, ...next } });
  const setStep = (i: number, next: Partial<Draft['steps'][number]>) => d && set({ steps: d.steps.map((x, j) => (j === i ? { ...x, ...next } : x)) });

  return (
    <section aria-labelledby="escalation-title">
      <div className="section-head">
        <h1 id="escalation-title">Escalation policies</h1>
        <ScopedButton held={held} scope="alerts:write" onClick={() => setEditing({ id: null, draft: blank() })}>
          New policy
        </ScopedButton>
      </div>
      <ErrorNote error={error} />
      <p className="hint">Step 1 hears an alert when it opens; each later step after its minutes unless someone acknowledged it; then the repeats. A monitor or journey picks its policy in its form.</p>
      {policies && policies.length === 0 && <p className="hint">No policies: alerts go to the channels subscribed to them.</p>}
      <ul className="alerts">
        {(policies ?? []).map((p) => (
          <li key={p.id} data-policy-id={p.id}>
            <strong>{p.name}</strong>
            <ol>
              {p.steps.map((x, i) => (
                <li key={i}>
                  {x.afterMinutes === 0 ? 'At the opening' : `After ${x.afterMinutes} min`}: {x.channelIds.map((c) => names.get(c) ?? c).join(', ')}
                </li>
              ))}
            </ol>
            {p.repeatAfterMinutes && p.maxRepeats > 0 && <div className="hint">Then every {p.repeatAfterMinutes} min, {p.maxRepeats} times</div>}
            <div className="actions">
              <ScopedButton held={held} scope="alerts:write" onClick={() => setEditing({ id: p.id, draft: draftOf(p) })}>
                Edit
              </ScopedButton>
              <ScopedButton held={held} scope="alerts:write" onClick={() => void remove(p)} aria-label={`Delete ${p.name}`}>
                Delete
              </ScopedButton>
            </div>
          </li>
        ))}
      </ul>

      {d && (
        <form onSubmit={save} aria-label={editing.id ? 'Edit policy' : 'New policy'}>
          <label htmlFor="esc-name">Name</label>
          <input id="esc-name" value={d.name} onChange={(e) => set({ name: e.target.value })} {...describe('esc-name', errors.name)} />
          <FieldNote id="esc-name" error={errors.name} />
          {d.steps.map((x, i) => (
            <fieldset key={i}>
              <legend>Step {i + 1}</legend>
              <label htmlFor={`esc-after-${i}`}>Minutes after the opening</label>
              <input id={`esc-after-${i}`} inputMode="numeric" value={x.afterMinutes} disabled={i === 0} onChange={(e) => setStep(i, { afterMinutes: e.target.value })} {...describe(`esc-after-${i}`, errors[`steps.${i}.afterMinutes`])} />
              <FieldNote id={`esc-after-${i}`} error={errors[`steps.${i}.afterMinutes`]} />
              {channels.map((c) => (
                <label key={c.id} className="scope">
                  <input
                    type="checkbox"
                    checked={x.channelIds.includes(c.id)}
                    onChange={(e) => setStep(i, { channelIds: e.target.checked ? [...x.channelIds, c.id] : x.channelIds.filter((id) => id !== c.id) })}
                  />{' '}
                  {c.name} <span className="hint">{c.type.toLowerCase()}</span>
                </label>
              ))}
              <FieldNote id={`esc-channels-${i}`} error={errors[`steps.${i}.channelIds`]} />
              {i > 0 && (
                <button type="button" onClick={() => set({ steps: d.steps.filter((_, j) => j !== i) })}>
                  Remove step {i + 1}
                </button>
              )}
            </fieldset>
          ))}
          <button type="button" onClick={() => set({ steps: [...d.steps, { afterMinutes: String(Number(d.steps.at(-1)!.afterMinutes) + 15), channelIds: [] }] })}>
            Add a step
          </button>
          <div className="form-row">
            <div>
              <label htmlFor="esc-repeat">Repeat every (minutes, empty: never)</label>
              <input id="esc-repeat" inputMode="numeric" value={d.repeatAfterMinutes} onChange={(e) => set({ repeatAfterMinutes: e.target.value })} {...describe('esc-repeat', errors.repeatAfterMinutes)} />
              <FieldNote id="esc-repeat" error={errors.repeatAfterMinutes} />
            </div>
            <div>
              <label htmlFor="esc-max">Repeats at most</label>
              <input id="esc-max" inputMode="numeric" value={d.maxRepeats} onChange={(e) => set({ maxRepeats: e.target.value })} {...describe('esc-max', errors.maxRepeats)} />
              <FieldNote id="esc-max" error={errors.maxRepeats} />
            </div>
          </div>
          <ErrorNote error={errors.form ?? errors.steps ?? null} />
          <button type="submit">Save</button>{' '}
          <button type="button" onClick={() => setEditing(null)}>
            Cancel
          </button>
        </form>
      )}
    </section>
  );
}
