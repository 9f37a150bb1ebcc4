import {
  CreateDnsMonitorDocument,
  CreateTcpMonitorDocument,
  UpdateDnsMonitorDocument,
  UpdateTcpMonitorDocument,
  type CreateDnsMonitorInput,
  type CreateTcpMonitorInput,
  type DnsMatch,
  type DnsMonitorFieldsFragment,
  type DnsRecordType,
  type TcpMonitorFieldsFragment,
} from '../../client/generated/graphql';
import { gql } from '../api';
import type { Session } from '../session';
import type { FieldErrors } from '../fieldErrors';
import { Dialog } from './Dialog';
import { ErrorNote } from './ErrorNote';
import { FieldNote, describe } from './FieldNote';
import { DEFAULT_PROBE, PROBE_FIELDS, ProbeEditor, probeInput, probeOf, type Probe } from './ProbeEditor';
import { DEFAULT_SCHEDULE, SCHEDULE_FIELDS, ScheduleEditor, scheduleInput, scheduleOf, type Schedule } from './ScheduleEditor';
import { useCheckForm } from './useCheckForm';

type Setter<D> = <K extends keyof D>(k: K, v: D[K]) => void;

/** One labelled text input with its error: the fields of these two forms are all of this shape. */
function Text<D>({ id, label, field, d, set, e, hint, ...rest }: { id: string; label: string; field: keyof D & string; d: D; set: Setter<D>; e: FieldErrors; hint?: string; placeholder?: string; inputMode?: 'numeric' }) {
  return (
    <>
      <label htmlFor={id}>{label}</label>
      <input id={id} value={String(d[field] ?? '')} onChange={(x) => set(field, x.target.value as D[typeof field])} {...describe(id, e[field], hint ? `${id}-hint` : undefined)} {...rest} />
      {hint && (
        <p id={`${id}-hint`} className="hint">
          {hint}
        </p>
      )}
      <FieldNote id={id} error={e[field]} />
    </>
  );
}

function Actions({ editing, busy, onClose, what }: { editing: boolean; busy: boolean; onClose(): void; what: string }) {
  return (
    <div className="actions">
      <button type="button" onClick={onClose}>
        Cancel
      </button>
      <button type="submit" disabled={busy}>
        {editing ? 'Save changes' : `Create ${what}`}
      </button>
    </div>
  );
}

interface TcpDraft {
  name: string;
  host: string;
  port: string;
  send: string;
  expect: string;
  schedule: Schedule;
  probe: Probe;
}

const tcpDraft = (t: TcpMonitorFieldsFragment): TcpDraft => ({ name: t.name, host: t.host, port: String(t.port), send: t.send ?? '', expect: t.expect ?? '', schedule: scheduleOf(t), probe: probeOf(t) });

function tcpInput(d: TcpDraft): { input: CreateTcpMonitorInput; errors: FieldErrors } {
  const errors: FieldErrors = {};
  if (!/^\d+$/.test(d.port.trim())) errors.port = 'must be a whole number';
  // "" clears `send` / `expect` on an update, and is left out of a create
  return { input: { name: d.name, host: d.host.trim(), port: Number(d.port), send: d.send, expect: d.expect, ...scheduleInput(d.schedule, errors), ...probeInput(d.probe, errors) }, errors };
}

/** Create a TCP check, or edit one. */
export function TcpMonitorForm({ s, check, onClose, onSaved }: { s: Session; check?: TcpMonitorFieldsFragment; onClose(): void; onSaved(c: TcpMonitorFieldsFragment): void }) {
  const { d, setD, errors: e, busy, locations, submit } = useCheckForm(
    s,
    { blank: () => ({ name: '', host: '', port: '', send: '', expect: '', schedule: DEFAULT_SCHEDULE, probe: DEFAULT_PROBE }), original: check && tcpDraft(check) },
    {
      toInput: tcpInput,
      shownFields: () => ['name', 'host', 'port', 'send', 'expect', ...SCHEDULE_FIELDS, ...PROBE_FIELDS],
      create: async (input) => (await gql(CreateTcpMonitorDocument, { input: { ...input, send: input.send || null, expect: input.expect || null } })).createTcpMonitor,
      update: async (input) => (await gql(UpdateTcpMonitorDocument, { id: check!.id, input })).updateTcpMonitor,
    },
    onSaved,
  );
  const set: Setter<TcpDraft> = (k, v) => setD((x) => ({ ...x, [k]: v }));
  const p = { d, set, e };
  return (
    <Dialog title={check ? `Edit “${check.name}”` : 'New TCP check'} labelledBy="tcp-form-title" onClose={onClose}>
      <form onSubmit={submit} noValidate className="check-form">
        <ErrorNote error={e.form} />
        <Text id="t-name" label="Name" field="name" {...p} />
        <Text id="t-host" label="Host" field="host" placeholder="mail.example.com" {...p} />
        <Text id="t-port" label="Port" field="port" inputMode="numeric" placeholder="25" {...p} />
        <Text id="t-send" label="Send (optional)" field="send" hint="A line written once connected; CRLF is added." {...p} />
        <Text id="t-expect" label="Expect (optional)" field="expect" hint="Text the server must send back, e.g. 220." {...p} />
        <ScheduleEditor idPrefix="t" value={d.schedule} errors={e} locations={locations} onChange={(v) => set('schedule', v)} />
        <ProbeEditor idPrefix="t" value={d.probe} errors={e} onChange={(v) => set('probe', v)} />
        <Actions editing={!!check} busy={busy} onClose={onClose} what="TCP check" />
      </form>
    </Dialog>
  );
}

export const RECORD_TYPES: DnsRecordType[] = ['A', 'AAAA', 'CNAME', 'MX', 'NS', 'TXT', 'SRV', 'CAA'] as DnsRecordType[];

interface DnsDraft {
  name: string;
  hostname: string;
  recordType: DnsRecordType;
  resolver: string;
  /** One expected value a line. */
  expectedValues: string;
  match: DnsMatch;
  schedule: Schedule;
  probe: Probe;
}

const dnsDraft = (c: DnsMonitorFieldsFragment): DnsDraft => ({
  name: c.name,
  hostname: c.hostname,
  recordType: c.recordType,
  resolver: c.resolver ?? '',
  expectedValues: c.expectedValues.join('\n'),
  match: c.match,
  schedule: scheduleOf(c),
  probe: probeOf(c),
});

function dnsInput(d: DnsDraft): { input: CreateDnsMonitorInput; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const expectedValues = d.expectedValues.split('\n').map((v) => v.trim()).filter(Boolean);
  return { input: { name: d.name, hostname: d.hostname.trim(), recordType: d.recordType, resolver: d.resolver.trim(), expectedValues, match: d.match, ...scheduleInput(d.schedule, errors), ...probeInput(d.probe, errors) }, errors };
}

/** Create a DNS check, or edit one. */
export function DnsMonitorForm({ s, check, onClose, onSaved }: { s: Session; check?: DnsMonitorFieldsFragment; onClose(): void; onSaved(c: DnsMonitorFieldsFragment): void }) {
  const { d, setD, errors: e, busy, locations, submit } = useCheckForm(
    s,
    {
      blank: () => ({ name: '', hostname: '', recordType: 'A' as DnsRecordType, resolver: '', expectedValues: '', match: 'ANY' as DnsMatch, schedule: DEFAULT_SCHEDULE, probe: DEFAULT_PROBE }),
      original: check && dnsDraft(check),
    },
    {
      toInput: dnsInput,
      shownFields: (x) => ['name', 'hostname', 'recordType', 'resolver', 'match', 'expectedValues', ...x.expectedValues.split('\n').map((_, i) => `expectedValues[${i}]`), ...SCHEDULE_FIELDS, ...PROBE_FIELDS],
      create: async (input) => (await gql(CreateDnsMonitorDocument, { input: { ...input, resolver: input.resolver || null } })).createDnsMonitor,
      update: async (input) => (await gql(UpdateDnsMonitorDocument, { id: check!.id, input })).updateDnsMonitor,
    },
    onSaved,
  );
  const set: Setter<DnsDraft> = (k, v) => setD((x) => ({ ...x, [k]: v }));
  const p = { d, set, e };
  const valueErrors = Object.entries(e).filter(([k]) => k.startsWith('expectedValues['));
  return (
    <Dialog title={check ? `Edit “${check.name}”` : 'New DNS check'} labelledBy="dns-form-title" onClose={onClose}>
      <form onSubmit={submit} noValidate className="check-form">
        <ErrorNote error={e.form} />
        <Text id="d-name" label="Name" field="name" {...p} />
        <Text id="d-hostname" label="Name to query" field="hostname" placeholder="example.com" {...p} />
        <label htmlFor="d-type">Record type</label>
        <select id="d-type" value={d.recordType} onChange={(x) => set('recordType', x.target.value as DnsRecordType)}>
          {RECORD_TYPES.map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
        <Text id="d-resolver" label="Resolver (optional)" field="resolver" placeholder="1.1.1.1:53" hint="An IP address and port; empty: the server's own resolvers." {...p} />
        <label htmlFor="d-values">Expected values (optional, one a line)</label>
        <textarea id="d-values" rows={3} value={d.expectedValues} onChange={(x) => set('expectedValues', x.target.value)} {...describe('d-values', e.expectedValues ?? valueErrors[0]?.[1])} />
        <FieldNote id="d-values" error={e.expectedValues ?? (valueErrors.length ? valueErrors.map(([k, v]) => `${k}: ${v}`).join('; ') : undefined)} />
        <label htmlFor="d-match">Match</label>
        <select id="d-match" value={d.match} onChange={(x) => set('match', x.target.value as DnsMatch)}>
          <option value="ANY">Any expected value</option>
          <option value="ALL">Every expected value</option>
        </select>
        <ScheduleEditor idPrefix="d" value={d.schedule} errors={e} locations={locations} onChange={(v) => set('schedule', v)} />
        <ProbeEditor idPrefix="d" value={d.probe} errors={e} onChange={(v) => set('probe', v)} />
        <Actions editing={!!check} busy={busy} onClose={onClose} what="DNS check" />
      </form>
    </Dialog>
  );
}
