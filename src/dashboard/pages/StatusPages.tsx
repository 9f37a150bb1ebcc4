import { useCallback, useEffect, useState, type FormEvent } from 'react';
import {
  AddIncidentUpdateDocument,
  CreateIncidentDocument,
  CreateStatusPageDocument,
  IncidentsDocument,
  PublishIncidentDocument,
  JourneysDocument,
  MonitorsDocument,
  StatusPagesDocument,
  UpdateStatusPageDocument,
  VerifyStatusPageDomainDocument,
  type IncidentImpact,
  type IncidentStatus,
  type IncidentsQuery,
  type StatusPagesQuery,
} from '../../client/generated/graphql';
import { gql } from '../api';
import { useApi } from '../useApi';
import type { Session } from '../session';
import { holds } from '../scopes';
import { dateTime } from '../format';
import { ErrorNote } from '../components/ErrorNote';
import { ScopedButton } from '../components/ScopedButton';

type Page = StatusPagesQuery['statusPages']['nodes'][number];
type Incident = IncidentsQuery['incidents']['nodes'][number];
type Draft = { id?: string | null; name: string; description: string; checkIds: string[]; autoDraftIncident: boolean };

const STATES: Record<string, string> = {
  OPERATIONAL: 'Operational',
  DEGRADED_PERFORMANCE: 'Degraded performance',
  PARTIAL_OUTAGE: 'Partial outage',
  MAJOR_OUTAGE: 'Major outage',
  UNDER_MAINTENANCE: 'Under maintenance',
};
const STATUSES: IncidentStatus[] = ['INVESTIGATING', 'IDENTIFIED', 'MONITORING', 'RESOLVED'];
const IMPACTS: IncidentImpact[] = ['NONE', 'MINOR', 'MAJOR', 'CRITICAL'];

/**
 * Status pages: each page's state, subscribers and a link to its public page (the preview); a form to create or
 * edit a page and its components (the checks each one shows); a page's incidents with their updates.
 */
export function StatusPages({ s }: { s: Session }) {
  const held = s.perms;
  const canWrite = holds(held, 'status_pages:write');
  const [pages, setPages] = useState<Page[] | null>(null);
  const [checks, setChecks] = useState<{ id: string; name: string }[]>([]);
  const [editing, setEditing] = useState<Page | 'new' | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const { error, call } = useApi(s);

  const load = useCallback(async () => {
    const data = await call(() => gql(StatusPagesDocument, { first: 100 }));
    if (data) setPages(data.statusPages.nodes);
  }, [call]);
  useEffect(() => void load(), [load]);
  useEffect(() => {
    void (async () => {
      const found: { id: string; name: string }[] = [];
      if (holds(held, 'monitors:read')) found.push(...((await call(() => gql(MonitorsDocument, { first: 100 })))?.monitors.nodes ?? []));
      if (holds(held, 'journeys:read')) found.push(...((await call(() => gql(JourneysDocument, { first: 100 })))?.journeys.nodes ?? []));
      setChecks(found.map((c) => ({ id: c.id, name: c.name })));
    })();
  }, [call, held]);

  return (
    <section aria-labelledby="status-title">
      <div className="section-head">
        <h1 id="status-title">Status pages</h1>
        <ScopedButton held={held} scope="status_pages:write" onClick={() => setEditing('new')}>
          New status page
        </ScopedButton>
      </div>
      <ErrorNote error={error} />
      {editing && (
        <PageForm
          s={s}
          page={editing === 'new' ? null : editing}
          checks={checks}
          onDone={async () => {
            setEditing(null);
            await load();
          }}
        />
      )}
      {pages && pages.length === 0 && <p className="hint">No status pages yet.</p>}
      <ul className="alerts">
        {(pages ?? []).map((p) => (
          <li key={p.id} data-status-page={p.slug}>
            <div>
              <strong>{p.name}</strong> · <span className="status">{STATES[p.state]}</span> · {p.subscriberCount} subscriber{p.subscriberCount === 1 ? '' : 's'} ·{' '}
              <a href={p.path} target="_blank" rel="noreferrer">
                Public page (preview)
              </a>
              {p.customDomain && <> · {p.customDomain}</>}
            </div>
            {p.customDomainVerification && <DomainProof s={s} page={p} onVerified={load} />}
            <ul>
              {p.components.map((c) => (
                <li key={c.id}>
                  {c.name}: {STATES[c.state]}
                </li>
              ))}
            </ul>
            <div className="actions">
              {canWrite && (
                <button type="button" onClick={() => setEditing(p)}>
                  Edit
                </button>
              )}
              <button type="button" onClick={() => setOpen(open === p.id ? null : p.id)} aria-expanded={open === p.id}>
                Incidents
              </button>
            </div>
            {open === p.id && <Incidents s={s} page={p} />}
          </li>
        ))}
      </ul>
    </section>
  );
}

/**
 * A page's custom domain: serving once verified; while pending, the TXT record to publish and a Verify button. A
 * verified domain whose record the daily re-check misses says since when (7 days of it: back to pending).
 */
function DomainProof({ s, page, onVerified }: { s: Session; page: Page; onVerified: () => Promise<void> }) {
  const d = page.customDomainVerification!;
  const [busy, setBusy] = useState(false);
  const { error, call } = useApi(s);
  const verify = async () => {
    setBusy(true);
    const done = await call(() => gql(VerifyStatusPageDomainDocument, { id: page.id }));
    setBusy(false);
    if (done) await onVerified();
  };
  if (d.status === 'VERIFIED')
    return (
      <p className="hint" data-domain-status="VERIFIED">
        Custom domain {d.domain}: verified{d.verifiedAt ? ` on ${dateTime(d.verifiedAt)}` : ''}; <code>GET /</code> on it serves this page.
        {d.missingSince && <> Its TXT record has been missing since {dateTime(d.missingSince)}: after 7 days without it the domain goes back to pending.</>}
      </p>
    );
  return (
    <div className="hint" data-domain-status="PENDING">
      <p>
        Custom domain {d.domain}: pending. It serves nothing until you prove it is yours: publish a TXT record named{' '}
        <code data-testid="domain-txt-name">{d.verificationName}</code> with the value <code data-testid="domain-txt-value">{d.verificationRecord}</code>, then choose Verify.
      </p>
      <ScopedButton held={s.perms} scope="status_pages:write" disabled={busy} onClick={() => void verify()} aria-label={`Verify ${d.domain}`}>
        {busy ? 'Looking up…' : 'Verify'}
      </ScopedButton>
      <ErrorNote error={error} />
    </div>
  );
}

function PageForm({ s, page, checks, onDone }: { s: Session; page: Page | null; checks: { id: string; name: string }[]; onDone: () => void }) {
  const [name, setName] = useState(page?.name ?? '');
  const [slug, setSlug] = useState(page?.slug ?? '');
  const [domain, setDomain] = useState(page?.customDomain ?? '');
  const [showUptime, setShowUptime] = useState(page?.showUptime ?? true);
  const [components, setComponents] = useState<Draft[]>(page?.components.map((c) => ({ id: c.id, name: c.name, description: c.description ?? '', checkIds: c.checkIds, autoDraftIncident: c.autoDraftIncident })) ?? []);
  const { error, call } = useApi(s);
  const set = (i: number, patch: Partial<Draft>) => setComponents((cs) => cs.map((c, j) => (j === i ? { ...c, ...patch } : c)));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const input = { name, slug, customDomain: domain || (page ? '' : null), showUptime, components: components.map((c) => ({ ...c, description: c.description || null })) };
    const done = page ? await call(() => gql(UpdateStatusPageDocument, { id: page.id, input })) : await call(() => gql(CreateStatusPageDocument, { input }));
    if (done) onDone();
  };

  return (
    <form onSubmit={submit} className="card" aria-label={page ? `Edit ${page.name}` : 'New status page'}>
      <label>
        Name <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} />
      </label>
      <label>
        Slug (the page is at /status/slug) <input value={slug} onChange={(e) => setSlug(e.target.value)} required pattern="[a-z0-9][a-z0-9-]*" maxLength={50} />
      </label>
      <label>
        Custom domain (optional) <input value={domain} onChange={(e) => setDomain(e.target.value)} placeholder="status.example.com" />
      </label>
      <label>
        <input type="checkbox" checked={showUptime} onChange={(e) => setShowUptime(e.target.checked)} /> Show 90 days of uptime
      </label>
      <fieldset>
        <legend>Components</legend>
        {components.map((c, i) => (
          <div key={c.id ?? `new-${i}`} className="card">
            <label>
              Name <input value={c.name} onChange={(e) => set(i, { name: e.target.value })} required maxLength={100} />
            </label>
            <label>
              Description <input value={c.description} onChange={(e) => set(i, { description: e.target.value })} maxLength={500} />
            </label>
            <label>
              Checks
              <select multiple value={c.checkIds} onChange={(e) => set(i, { checkIds: [...e.target.selectedOptions].map((o) => o.value) })}>
                {checks.map((k) => (
                  <option key={k.id} value={k.id}>
                    {k.name}
                  </option>
                ))}
              </select>
            </label>
            <label>
              <input type="checkbox" checked={c.autoDraftIncident} onChange={(e) => set(i, { autoDraftIncident: e.target.checked })} /> Open a draft incident when an
              alert opens on its checks
            </label>
            <button type="button" onClick={() => setComponents((cs) => cs.filter((_, j) => j !== i))}>
              Remove component
            </button>
          </div>
        ))}
        <button type="button" onClick={() => setComponents((cs) => [...cs, { name: '', description: '', checkIds: [], autoDraftIncident: false }])}>
          Add component
        </button>
      </fieldset>
      <ErrorNote error={error} />
      <button type="submit">{page ? 'Save' : 'Create'}</button>{' '}
      <button type="button" onClick={onDone}>
        Cancel
      </button>
    </form>
  );
}

function Incidents({ s, page }: { s: Session; page: Page }) {
  const [incidents, setIncidents] = useState<Incident[] | null>(null);
  const [title, setTitle] = useState('');
  const [impact, setImpact] = useState<IncidentImpact>('MINOR');
  const [message, setMessage] = useState('');
  const [componentIds, setComponentIds] = useState<string[]>([]);
  const { error, call } = useApi(s);

  const load = useCallback(async () => {
    const data = await call(() => gql(IncidentsDocument, { statusPageId: page.id, first: 50 }));
    if (data) setIncidents(data.incidents.nodes);
  }, [call, page.id]);
  useEffect(() => void load(), [load]);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    const done = await call(() => gql(CreateIncidentDocument, { input: { statusPageId: page.id, title, impact, status: 'INVESTIGATING', message, componentIds } }));
    if (done) {
      setTitle('');
      setMessage('');
      await load();
    }
  };

  const publish = async (id: string) => {
    if (await call(() => gql(PublishIncidentDocument, { id }))) await load();
  };

  return (
    <div>
      <ErrorNote error={error} />
      {holds(s.perms, 'status_pages:write') && (
        <form onSubmit={create} className="card" aria-label="New incident">
          <label>
            Title <input value={title} onChange={(e) => setTitle(e.target.value)} required maxLength={200} />
          </label>
          <label>
            Impact{' '}
            <select value={impact} onChange={(e) => setImpact(e.target.value as IncidentImpact)}>
              {IMPACTS.map((i) => (
                <option key={i}>{i}</option>
              ))}
            </select>
          </label>
          <label>
            Message <textarea value={message} onChange={(e) => setMessage(e.target.value)} required maxLength={5000} />
          </label>
          <fieldset>
            <legend>Affected components</legend>
            {page.components.map((c) => (
              <label key={c.id}>
                <input
                  type="checkbox"
                  checked={componentIds.includes(c.id)}
                  onChange={(e) => setComponentIds((ids) => (e.target.checked ? [...ids, c.id] : ids.filter((x) => x !== c.id)))}
                />{' '}
                {c.name}
              </label>
            ))}
          </fieldset>
          <button type="submit">Open incident</button>
        </form>
      )}
      {incidents && incidents.length === 0 && <p className="hint">No incidents.</p>}
      <ul>
        {(incidents ?? []).map((i) => (
          <li key={i.id}>
            <strong>{i.title}</strong> · {i.status} · impact {i.impact} · {dateTime(i.createdAt)}
            {!i.published && (
              <>
                {' '}
                · <em>Draft (not public)</em>{' '}
                <ScopedButton held={s.perms} scope="status_pages:write" onClick={() => void publish(i.id)}>
                  Publish
                </ScopedButton>
              </>
            )}
            <ol>
              {i.updates.map((u) => (
                <li key={u.id}>
                  {u.status}: {u.message} ({dateTime(u.createdAt)})
                </li>
              ))}
            </ol>
            {i.status !== 'RESOLVED' && <UpdateForm s={s} incident={i} onDone={load} />}
          </li>
        ))}
      </ul>
    </div>
  );
}

function UpdateForm({ s, incident, onDone }: { s: Session; incident: Incident; onDone: () => Promise<void> }) {
  const [status, setStatus] = useState<IncidentStatus>(incident.status);
  const [message, setMessage] = useState('');
  const { error, call } = useApi(s);
  if (!holds(s.perms, 'status_pages:write')) return null;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await call(() => gql(AddIncidentUpdateDocument, { input: { incidentId: incident.id, status, message } }))) {
      setMessage('');
      await onDone();
    }
  };
  return (
    <form onSubmit={submit} aria-label={`Update ${incident.title}`}>
      <select value={status} onChange={(e) => setStatus(e.target.value as IncidentStatus)} aria-label="Status">
        {STATUSES.map((x) => (
          <option key={x}>{x}</option>
        ))}
      </select>{' '}
      <input value={message} onChange={(e) => setMessage(e.target.value)} required maxLength={5000} aria-label="Update message" />{' '}
      <button type="submit">Post update</button>
      <ErrorNote error={error} />
    </form>
  );
}
