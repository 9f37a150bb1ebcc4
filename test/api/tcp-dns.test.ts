import * as dgram from 'node:dgram';
import * as net from 'node:net';
import dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ChecksDocument,
  CreateDnsMonitorDocument,
  CreateJourneyDocument,
  CreateMonitorDocument,
  CreateTcpMonitorDocument,
  DeleteTcpMonitorDocument,
  DnsMonitorDocument,
  DnsMonitorRunsDocument,
  PauseTcpMonitorDocument,
  RunDnsMonitorDocument,
  RunTcpMonitorDocument,
  TcpMonitorDocument,
  UpdateDnsMonitorDocument,
  UpdateTcpMonitorDocument,
} from '../../src/client/generated/graphql';
import { startTestApp, type TestApp } from '../helpers/app';
import type { Organization } from '../../src/modules/organization/organization.entity';
import { checkTcp } from '../../src/modules/checks/kinds/tcp/tcp-probe';
import { checkDns, hasNonPublicAddress, privateAnswer } from '../../src/modules/checks/kinds/dns/dns-probe';
import { checkHost, namesPrivateTarget } from '../../src/modules/checks/target-guard';

let t: TestApp;
let org: Organization;
let admin: Awaited<ReturnType<TestApp['key']>>;
let tcp: net.Server;
let tcpPort: number;
let refusedPort: number;
let dns: dgram.Socket;
let dnsPort: number;
const queries: { name: string; type: string }[] = [];

/** A DNS server on 127.0.0.1 over UDP: a few records of example.test, NXDOMAIN for anything else. */
const ZONE: Record<string, dnsPacket.Answer[]> = {
  'A www.example.test': [
    { type: 'A', name: 'www.example.test', ttl: 60, data: '93.184.216.34' },
    { type: 'A', name: 'www.example.test', ttl: 60, data: '93.184.216.35' },
  ],
  'A internal.example.test': [{ type: 'A', name: 'internal.example.test', ttl: 60, data: '10.1.2.3' }],
  'MX example.test': [{ type: 'MX', name: 'example.test', ttl: 60, data: { preference: 10, exchange: 'Mail.Example.test' } }],
  'TXT example.test': [{ type: 'TXT', name: 'example.test', ttl: 60, data: ['v=spf1 ', '-all'] }],
  'AAAA www.example.test': [{ type: 'AAAA', name: 'www.example.test', ttl: 60, data: '2606:2800:220:1:248:1893:25c8:1946' }],
  'CAA example.test': [{ type: 'CAA', name: 'example.test', ttl: 60, data: { flags: 0, tag: 'issue', value: 'letsencrypt.org' } }],
  'SRV _sip._tcp.example.test': [{ type: 'SRV', name: '_sip._tcp.example.test', ttl: 60, data: { priority: 10, weight: 5, port: 5060, target: 'sip.example.test' } }],
  // Answers that name the private network, of every type but A/AAAA (the guard reads them all).
  'CNAME alias.example.test': [{ type: 'CNAME', name: 'alias.example.test', ttl: 60, data: 'db.internal' }],
  'NS example.test': [{ type: 'NS', name: 'example.test', ttl: 60, data: 'ns1.example.test' }],
  'NS corp.example.test': [{ type: 'NS', name: 'corp.example.test', ttl: 60, data: '10.0.0.53' }],
  'MX corp.example.test': [{ type: 'MX', name: 'corp.example.test', ttl: 60, data: { preference: 10, exchange: 'mail.corp' } }],
  'SRV _ldap._tcp.example.test': [{ type: 'SRV', name: '_ldap._tcp.example.test', ttl: 60, data: { priority: 0, weight: 0, port: 389, target: 'dc1' } }],
  'TXT spf.example.test': [{ type: 'TXT', name: 'spf.example.test', ttl: 60, data: ['v=spf1 ip4:10.0.0.0/8 -all'] }],
  'CAA caa.example.test': [{ type: 'CAA', name: 'caa.example.test', ttl: 60, data: { flags: 0, tag: 'iodef', value: 'mailto:security@ops.internal' } }],
  // Answered 30 ms late (a degraded run), and SERVFAIL to its first query only (a retried one).
  'A slow.example.test': [{ type: 'A', name: 'slow.example.test', ttl: 60, data: '93.184.216.34' }],
  'A flaky.example.test': [{ type: 'A', name: 'flaky.example.test', ttl: 60, data: '93.184.216.34' }],
};
let flakyAsked = 0;

beforeAll(async () => {
  t = await startTestApp(); // ALLOW_PRIVATE_TARGETS=true: the servers are on 127.0.0.1
  org = await t.org('Acme Inc');
  await t.db.orm.em.fork().nativeUpdate('Organization', { id: org.id }, { plan: 'BUSINESS' });
  admin = await t.key(org, ['all']);

  // A line protocol: greets, and answers `PING` with `PONG` (`SLOW` too, 30 ms later).
  tcp = net.createServer((s) => {
    s.write('HELLO tracer-test\r\n');
    s.on('data', (d) => {
      if (d.toString().startsWith('PING')) s.end('PONG\r\n');
      if (d.toString().startsWith('SLOW')) setTimeout(() => s.end('PONG\r\n'), 30);
    });
    s.on('error', () => {});
  });
  await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
  tcpPort = (tcp.address() as net.AddressInfo).port;
  // A port nothing listens on: bound, its number kept, then closed.
  const closed = net.createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  refusedPort = (closed.address() as net.AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));

  dns = dgram.createSocket('udp4');
  dns.on('message', (msg, rinfo) => {
    const q = dnsPacket.decode(msg);
    const question = q.questions![0];
    queries.push({ name: question.name, type: question.type });
    const answers = ZONE[`${question.type} ${question.name.toLowerCase()}`];
    const known = Object.keys(ZONE).some((k) => k.endsWith(` ${question.name.toLowerCase()}`));
    const servfail = question.name === 'flaky.example.test' && flakyAsked++ === 0;
    const reply = dnsPacket.encode({
      type: 'response',
      id: q.id,
      flags: dnsPacket.AUTHORITATIVE_ANSWER | (servfail ? 2 : known ? 0 : 3), // rcode 2: SERVFAIL, 3: NXDOMAIN
      questions: q.questions,
      answers: servfail ? [] : (answers ?? []),
    });
    if (question.name === 'slow.example.test') setTimeout(() => dns.send(reply, rinfo.port, rinfo.address), 30);
    else dns.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => dns.bind(0, '127.0.0.1', r));
  dnsPort = dns.address().port;
});

afterAll(async () => {
  await new Promise<void>((r) => tcp?.close(() => r()));
  dns?.close();
  await t?.close();
});

const tcpInput = (over: Record<string, unknown> = {}) => ({ name: 'Line server', host: '127.0.0.1', port: tcpPort, timeoutMs: 2000, tags: ['tcp', 'smoke'], ...over });
const dnsInput = (over: Record<string, unknown> = {}) => ({ name: 'Web A', hostname: 'www.example.test', recordType: 'A' as const, resolver: `127.0.0.1:${dnsPort}`, timeoutMs: 2000, ...over });

describe('TCP checks', () => {
  it('connects, sends a line and finds the expected answer; the run records the connect time and what came back', async () => {
    const created = await admin.client.gql(CreateTcpMonitorDocument, { input: tcpInput({ send: 'PING', expect: 'PONG' }) });
    expect(created.errors).toBeUndefined();
    const m = created.data!.createTcpMonitor;
    expect(m).toMatchObject({ host: '127.0.0.1', port: tcpPort, send: 'PING', expect: 'PONG', status: 'PENDING' });
    expect(m.id).toMatch(/^tcp_/);
    const run = (await admin.client.gql(RunTcpMonitorDocument, { id: m.id })).data!.runTcpMonitor;
    expect(run).toMatchObject({ tcpMonitorId: m.id, status: 'PASSED', error: null });
    expect(run.timings!.connect).toBeGreaterThanOrEqual(0);
    expect(run.tcp.received).toContain('PONG');
    expect((await admin.client.gql(TcpMonitorDocument, { id: m.id })).data!.tcpMonitor.status).toBe('UP');
  });

  it('fails when the expected text never comes, and a refused port is FAILED saying so', async () => {
    const mismatch = (await admin.client.gql(CreateTcpMonitorDocument, { input: tcpInput({ name: 'Wrong', send: 'PING', expect: 'NOPE', timeoutMs: 500 }) })).data!.createTcpMonitor;
    const run = (await admin.client.gql(RunTcpMonitorDocument, { id: mismatch.id })).data!.runTcpMonitor;
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('The response did not contain "NOPE"');
    expect(run.tcp.received).toContain('PONG');

    const refused = (await admin.client.gql(CreateTcpMonitorDocument, { input: tcpInput({ name: 'Closed', port: refusedPort }) })).data!.createTcpMonitor;
    const r2 = (await admin.client.gql(RunTcpMonitorDocument, { id: refused.id })).data!.runTcpMonitor;
    expect(r2).toMatchObject({ status: 'FAILED', error: `Connection refused by 127.0.0.1:${refusedPort}` });
  });

  it('updates, pauses, deletes; validates the port and host; REST mirrors it', async () => {
    const m = (await admin.client.gql(CreateTcpMonitorDocument, { input: tcpInput({ name: 'Edit me', expect: 'HELLO' }) })).data!.createTcpMonitor;
    const updated = await admin.client.gql(UpdateTcpMonitorDocument, { id: m.id, input: { name: 'Edited', expect: '' } });
    expect(updated.data!.updateTcpMonitor).toMatchObject({ name: 'Edited', expect: null });
    expect((await admin.client.gql(PauseTcpMonitorDocument, { id: m.id })).data!.pauseTcpMonitor.status).toBe('PAUSED');

    const bad = await admin.client.gql(CreateTcpMonitorDocument, { input: tcpInput({ port: 70000, host: 'not a host' }) });
    expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const fields = (bad.errors![0].extensions!.fields as { field: string }[]).map((f) => f.field).sort();
    expect(fields).toEqual(['host', 'port']);

    const rest = await admin.client.rest('GET', `/v1/tcp-monitors/${m.id}`);
    expect(rest.status).toBe(200);
    expect((rest.body as { data: { name: string } }).data.name).toBe('Edited');
    const made = await admin.client.rest('POST', '/v1/tcp-monitors', { name: 'By REST', host: '127.0.0.1', port: tcpPort });
    expect(made.status).toBe(201);

    expect((await admin.client.gql(DeleteTcpMonitorDocument, { id: m.id })).data!.deleteTcpMonitor).toBe(m.id);
    const gone = await admin.client.gql(TcpMonitorDocument, { id: m.id });
    expect(gone.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });
});

describe('degradedResponseTimeMs and retry', () => {
  it('a TCP check retries a failed attempt in its slot, and a passing run slower than degradedResponseTimeMs is DEGRADED', async () => {
    const retry = { strategy: 'FIXED' as const, maxRetries: 2, baseBackoffMs: 10 };
    const made = await admin.client.gql(CreateTcpMonitorDocument, { input: tcpInput({ name: 'Retried', port: refusedPort, retry }) });
    expect(made.errors).toBeUndefined();
    expect(made.data!.createTcpMonitor).toMatchObject({ retry, degradedResponseTimeMs: null });
    const run = (await admin.client.gql(RunTcpMonitorDocument, { id: made.data!.createTcpMonitor.id })).data!.runTcpMonitor;
    const refused = `Connection refused by 127.0.0.1:${refusedPort}`;
    expect(run).toMatchObject({ status: 'FAILED', error: refused, attempts: 3, attemptErrors: [refused, refused, refused] });

    const slow = (await admin.client.gql(CreateTcpMonitorDocument, { input: tcpInput({ name: 'Slow', send: 'SLOW', expect: 'PONG', degradedResponseTimeMs: 10 }) })).data!.createTcpMonitor;
    expect(slow.degradedResponseTimeMs).toBe(10);
    const late = (await admin.client.gql(RunTcpMonitorDocument, { id: slow.id })).data!.runTcpMonitor;
    expect(late).toMatchObject({ status: 'PASSED', degraded: true, attempts: 1, attemptErrors: [] });
    expect((await admin.client.gql(TcpMonitorDocument, { id: slow.id })).data!.tcpMonitor.status).toBe('DEGRADED');

    // null turns them off (absent keeps them); REST takes and shows them the same way.
    const off = (await admin.client.gql(UpdateTcpMonitorDocument, { id: slow.id, input: { degradedResponseTimeMs: null, retry } })).data!.updateTcpMonitor;
    expect(off).toMatchObject({ degradedResponseTimeMs: null, retry });
    const kept = (await admin.client.gql(UpdateTcpMonitorDocument, { id: slow.id, input: { name: 'Slow 2' } })).data!.updateTcpMonitor;
    expect(kept.retry).toEqual(retry);
    const cleared = (await admin.client.gql(UpdateTcpMonitorDocument, { id: slow.id, input: { retry: null } })).data!.updateTcpMonitor;
    expect(cleared.retry).toBeNull();
    const rest = await admin.client.rest('POST', '/v1/tcp-monitors', { name: 'REST retry', host: '127.0.0.1', port: tcpPort, degraded_response_time_ms: 500, retry: { strategy: 'LINEAR', max_retries: 1, base_backoff_ms: 100 } });
    expect(rest.status).toBe(201);
    expect((rest.body as { data: Record<string, unknown> }).data).toMatchObject({ degraded_response_time_ms: 500, retry: { strategy: 'LINEAR', max_retries: 1, base_backoff_ms: 100 } });
  });

  it('refuses retries that do not fit the interval, and out-of-range values, on both kinds', async () => {
    const long = { intervalSeconds: 60, timeoutMs: 30000, retry: { strategy: 'EXPONENTIAL' as const, maxRetries: 3, baseBackoffMs: 1000 } };
    for (const res of [
      await admin.client.gql(CreateTcpMonitorDocument, { input: tcpInput(long) }),
      await admin.client.gql(CreateDnsMonitorDocument, { input: dnsInput(long) }),
    ]) {
      expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(res.errors![0].extensions!.fields).toEqual([
        { field: 'retry', message: '4 attempts of up to 30000 ms and their waits take up to 127000 ms, more than the interval (60000 ms)' },
      ]);
    }
    const d = (await admin.client.gql(CreateDnsMonitorDocument, { input: dnsInput({ name: 'Fits', intervalSeconds: 60, timeoutMs: 20000 }) })).data!.createDnsMonitor;
    const grown = await admin.client.gql(UpdateDnsMonitorDocument, { id: d.id, input: { retry: long.retry } });
    expect((grown.errors![0].extensions!.fields as { field: string }[]).map((f) => f.field)).toEqual(['retry']);
    const bad = await admin.client.gql(CreateTcpMonitorDocument, { input: tcpInput({ degradedResponseTimeMs: 0, retry: { strategy: 'FIXED', maxRetries: 4, baseBackoffMs: 0 } }) });
    expect((bad.errors![0].extensions!.fields as { field: string }[]).map((f) => f.field).sort()).toEqual(['degradedResponseTimeMs', 'retry.maxRetries']);
    expect((await admin.client.gql(DnsMonitorDocument, { id: d.id })).data!.dnsMonitor.retry).toBeNull(); // nothing half-written
  });

  it('a DNS check retries a failed query in its slot, and a slow answer is DEGRADED', async () => {
    const flaky = (await admin.client.gql(CreateDnsMonitorDocument, { input: dnsInput({ name: 'Flaky', hostname: 'flaky.example.test', retry: { strategy: 'FIXED', maxRetries: 1, baseBackoffMs: 10 } }) })).data!.createDnsMonitor;
    expect(flaky.retry).toEqual({ strategy: 'FIXED', maxRetries: 1, baseBackoffMs: 10 });
    const run = (await admin.client.gql(RunDnsMonitorDocument, { id: flaky.id })).data!.runDnsMonitor;
    expect(run).toMatchObject({ status: 'PASSED', attempts: 2, attemptErrors: ['The resolver failed to answer for flaky.example.test (SERVFAIL)'], dns: { answers: ['93.184.216.34'] } });

    const slow = (await admin.client.gql(CreateDnsMonitorDocument, { input: dnsInput({ name: 'Slow DNS', hostname: 'slow.example.test', degradedResponseTimeMs: 10 }) })).data!.createDnsMonitor;
    const late = (await admin.client.gql(RunDnsMonitorDocument, { id: slow.id })).data!.runDnsMonitor;
    expect(late).toMatchObject({ status: 'PASSED', degraded: true });
    expect((await admin.client.gql(DnsMonitorDocument, { id: slow.id })).data!.dnsMonitor.status).toBe('DEGRADED');
  });
});

describe('DNS checks', () => {
  it('asks the given resolver and records the answers; ANY and ALL matching', async () => {
    const any = (await admin.client.gql(CreateDnsMonitorDocument, { input: dnsInput({ expectedValues: ['93.184.216.35', '192.0.2.1'], match: 'ANY', tags: ['dns'] }) })).data!.createDnsMonitor;
    expect(any.id).toMatch(/^dns_/);
    const run = (await admin.client.gql(RunDnsMonitorDocument, { id: any.id })).data!.runDnsMonitor;
    expect(run).toMatchObject({ dnsMonitorId: any.id, status: 'PASSED', error: null });
    expect(run.dns.answers.sort()).toEqual(['93.184.216.34', '93.184.216.35']);
    expect(run.timings!.dns).toBeGreaterThanOrEqual(0);
    expect(queries.at(-1)).toEqual({ name: 'www.example.test', type: 'A' });

    const all = (await admin.client.gql(CreateDnsMonitorDocument, { input: dnsInput({ name: 'All', expectedValues: ['93.184.216.34', '192.0.2.1'], match: 'ALL' }) })).data!.createDnsMonitor;
    const failed = (await admin.client.gql(RunDnsMonitorDocument, { id: all.id })).data!.runDnsMonitor;
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toBe('Expected every one of "93.184.216.34", "192.0.2.1"; missing "192.0.2.1"');
    expect(failed.dns.answers).toHaveLength(2);

    const runs = (await admin.client.gql(DnsMonitorRunsDocument, { dnsMonitorId: all.id })).data!.dnsMonitorRuns.nodes;
    expect(runs[0].dns.answers).toHaveLength(2); // read back from the list, which reads only selected columns
  });

  it.each([
    ['MX', 'example.test', ['10 mail.example.test'], 'ALL'],
    ['TXT', 'example.test', ['v=spf1 -all'], 'ANY'],
    ['AAAA', 'www.example.test', ['2606:2800:220:1:248:1893:25C8:1946'], 'ANY'],
    ['CAA', 'example.test', ['0 issue "letsencrypt.org"'], 'ANY'],
    ['SRV', '_sip._tcp.example.test', ['10 5 5060 sip.example.test'], 'ALL'],
  ] as const)('%s records match their written form', async (recordType, hostname, expectedValues, match) => {
    const d = (await admin.client.gql(CreateDnsMonitorDocument, { input: dnsInput({ name: recordType, hostname, recordType, expectedValues, match }) }));
    expect(d.errors).toBeUndefined();
    const run = (await admin.client.gql(RunDnsMonitorDocument, { id: d.data!.createDnsMonitor.id })).data!.runDnsMonitor;
    expect(run).toMatchObject({ status: 'PASSED', error: null });
  });

  it('NXDOMAIN is FAILED, naming the name', async () => {
    const d = (await admin.client.gql(CreateDnsMonitorDocument, { input: dnsInput({ name: 'Missing', hostname: 'nope.example.test' }) })).data!.createDnsMonitor;
    const run = (await admin.client.gql(RunDnsMonitorDocument, { id: d.id })).data!.runDnsMonitor;
    expect(run).toMatchObject({ status: 'FAILED', error: 'nope.example.test does not exist (NXDOMAIN)' });
    expect(run.dns.answers).toEqual([]);
  });

  it('refuses expected values that are not answers of the record type', async () => {
    const bad = await admin.client.gql(CreateDnsMonitorDocument, { input: dnsInput({ recordType: 'MX', expectedValues: ['mail.example.test'], resolver: 'dns.google' }) });
    expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect((bad.errors![0].extensions!.fields as { field: string }[]).map((f) => f.field).sort()).toEqual(['expectedValues[0]', 'resolver']);
  });
});

describe('the target guard without ALLOW_PRIVATE_TARGETS', () => {
  it('refuses private, loopback and private-use hosts when given', () => {
    expect(checkHost('127.0.0.1', 'host', false)[0].message).toMatch(/^127\.0\.0\.1 is a loopback address/);
    expect(checkHost('10.0.0.1', 'host', false)[0].message).toMatch(/private address/);
    expect(checkHost('localhost', 'host', false)).toHaveLength(1);
    expect(checkHost('db.internal', 'host', false)[0].message).toMatch(/private-use domain/);
    expect(checkHost('db', 'host', false)[0].message).toMatch(/single-label/);
    expect(checkHost('example.com', 'host', false)).toEqual([]);
    expect(checkHost('db.internal', 'host', true)).toEqual([]);
  });

  it('a TCP run connects to no private address, even one a name resolves to', async () => {
    const literal = await checkTcp({ host: '127.0.0.1', port: tcpPort, timeoutMs: 1000, send: null, expect: null }, false);
    expect(literal).toMatchObject({ status: 'FAILED', error: 'Target 127.0.0.1 is not a public address (loopback range); tracer does not check those' });
    const named = await checkTcp({ host: 'localhost', port: tcpPort, timeoutMs: 1000, send: null, expect: null }, false);
    expect(named).toMatchObject({ status: 'FAILED', error: 'Target localhost resolves to a non-public address; tracer does not check those' });
    expect((await checkTcp({ host: '127.0.0.1', port: tcpPort, timeoutMs: 1000, send: null, expect: null }, true)).status).toBe('PASSED');
  });

  it('a DNS run asks no private resolver, and records no private answer', async () => {
    const asked = queries.length;
    const check = { hostname: 'www.example.test', recordType: 'A' as const, resolver: `127.0.0.1:${dnsPort}`, expectedValues: [], match: 'ANY' as const, timeoutMs: 1000 };
    expect(await checkDns(check, false)).toMatchObject({ status: 'FAILED', error: 'Resolver 127.0.0.1 is not a public address (loopback range); tracer does not ask those' });
    expect(queries.length).toBe(asked); // never sent
    // The test resolver is on loopback, so it is asked with the guard off; the rule on its answers is the probe's own.
    const internal = await checkDns({ ...check, hostname: 'internal.example.test' }, true);
    expect(internal.detail).toEqual({ answers: ['10.1.2.3'] });
    expect(hasNonPublicAddress('A', ['10.1.2.3'])).toBe(true);
    expect(hasNonPublicAddress('AAAA', ['2606:2800:220:1:248:1893:25c8:1946'])).toBe(false);
    expect(hasNonPublicAddress('TXT', ['10.1.2.3'])).toBe(false);
  });

  it('a DNS run on the system\'s resolver reads no private zone: no private-use name asked, no answer of any type naming one', async () => {
    // The system's resolver as a host often has it: on loopback (systemd-resolved, dnsmasq), knowing the private zone.
    const system = { systemResolvers: [`127.0.0.1:${dnsPort}`] };
    const check = (hostname: string, recordType: 'A' | 'CNAME' | 'NS' | 'MX' | 'SRV' | 'TXT' | 'CAA') =>
      checkDns({ hostname, recordType, resolver: null, expectedValues: [], match: 'ANY', timeoutMs: 1000 }, false, system);

    const asked = queries.length;
    expect(await check('db.internal', 'A')).toMatchObject({ status: 'FAILED', error: expect.stringMatching(/^db\.internal is in \.internal, a private-use domain/), detail: null });
    expect(await check('printer.home.arpa', 'TXT')).toMatchObject({ status: 'FAILED', detail: null });
    expect(queries.length).toBe(asked); // never asked

    for (const [hostname, type] of [
      ['alias.example.test', 'CNAME'],
      ['corp.example.test', 'NS'],
      ['corp.example.test', 'MX'],
      ['_ldap._tcp.example.test', 'SRV'],
      ['spf.example.test', 'TXT'],
      ['caa.example.test', 'CAA'],
    ] as const) {
      const out = await check(hostname, type);
      expect(out, `${type} ${hostname}`).toMatchObject({
        status: 'FAILED',
        error: `The ${type} answer for ${hostname} names a non-public address or a private-use name; tracer does not check those`,
        detail: null,
      });
      expect(out.error).not.toMatch(/db\.internal|mail\.corp|10\.0|dc1|ops\.internal/); // the answer is not told
    }
    expect(await check('internal.example.test', 'A')).toMatchObject({ status: 'FAILED', error: 'internal.example.test resolves to a non-public address; tracer does not check those', detail: null });
    expect(queries.length).toBe(asked + 7);

    // Public answers still pass, guard on.
    expect(await check('www.example.test', 'A')).toMatchObject({ status: 'PASSED', detail: { answers: ['93.184.216.34', '93.184.216.35'] } });
    expect(await check('example.test', 'MX')).toMatchObject({ status: 'PASSED', detail: { answers: ['10 mail.example.test'] } });
    expect(await check('example.test', 'NS')).toMatchObject({ status: 'PASSED', detail: { answers: ['ns1.example.test'] } });
    expect(await check('example.test', 'TXT')).toMatchObject({ status: 'PASSED' });
    expect(await check('example.test', 'CAA')).toMatchObject({ status: 'PASSED' });
    expect(await check('_sip._tcp.example.test', 'SRV')).toMatchObject({ status: 'PASSED' });

    // The words of free text, read as they are written in SPF, CAA iodef and URLs.
    for (const text of ['v=spf1 ip6:fd00::/8 -all', 'include:_spf.corp ~all', 'https://[::1]:8443/report', 'see wiki.lan:8080', 'a=169.254.169.254'])
      expect(namesPrivateTarget(text), text).toBe(true);
    for (const text of ['v=spf1 ip4:93.184.216.0/24 include:_spf.google.com -all', 'google-site-verification=abc.def', 'localhost', 'mailto:security@example.com'])
      expect(namesPrivateTarget(text), text).toBe(false);
    expect(privateAnswer('MX', ['0 '])).toBe(false); // a null MX (RFC 7505) names nothing
  });
});

describe('checks(first, after, kinds, tags, status)', () => {
  it('lists every kind newest first through the Check interface, filters by kind, tags and status, and pages', async () => {
    const other = await t.org('Other');
    await t.db.orm.em.fork().nativeUpdate('Organization', { id: other.id }, { plan: 'BUSINESS' });
    const own = await t.key(other, ['all']);
    const mon = (await own.client.gql(CreateMonitorDocument, { input: { name: 'HTTP', url: 'http://127.0.0.1:9/', tags: ['web'] } })).data!.createMonitor;
    const tc = (await own.client.gql(CreateTcpMonitorDocument, { input: tcpInput({ name: 'TCP', tags: ['web', 'db'] }) })).data!.createTcpMonitor;
    const dn = (await own.client.gql(CreateDnsMonitorDocument, { input: dnsInput({ name: 'DNS', tags: ['dns'], paused: true }) })).data!.createDnsMonitor;

    const listed0 = await own.client.gql(ChecksDocument, {});
    expect(listed0.errors).toBeUndefined();
    const all = listed0.data!.checks;
    expect(all.nodes.map((n) => n.__typename)).toEqual(['DnsMonitor', 'TcpMonitor', 'Monitor']);
    expect(all.nodes.map((n) => ('id' in n ? n.id : null))).toEqual([dn.id, tc.id, mon.id]);

    const web = (await own.client.gql(ChecksDocument, { tags: ['web'] })).data!.checks.nodes.map((n) => ('id' in n ? n.id : null));
    expect(web).toEqual([tc.id, mon.id]);
    const both = (await own.client.gql(ChecksDocument, { tags: ['web', 'db'] })).data!.checks.nodes.map((n) => ('id' in n ? n.id : null));
    expect(both).toEqual([tc.id]);
    const kinds = (await own.client.gql(ChecksDocument, { kinds: ['MONITOR', 'DNS_MONITOR'] })).data!.checks.nodes.map((n) => ('id' in n ? n.id : null));
    expect(kinds).toEqual([dn.id, mon.id]);
    const paused = (await own.client.gql(ChecksDocument, { status: 'PAUSED' })).data!.checks.nodes.map((n) => ('id' in n ? n.id : null));
    expect(paused).toEqual([dn.id]);

    const seen: string[] = [];
    let after: string | null | undefined;
    for (;;) {
      const page = (await own.client.gql(ChecksDocument, { first: 2, after })).data!.checks;
      seen.push(...page.nodes.map((n) => ('id' in n ? n.id : '')));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual([dn.id, tc.id, mon.id]);

    const direct = await own.client.gql('{ checks { nodes { id name status tags } } }');
    expect(direct.errors).toBeUndefined();
    expect((direct.data as { checks: { nodes: { name: string }[] } }).checks.nodes.map((n) => n.name)).toEqual(['DNS', 'TCP', 'HTTP']);

    const rest = await own.client.rest('GET', '/v1/checks?tags=web');
    expect(rest.status).toBe(200);

    // Another organization's checks are not listed, and its ids are NOT_FOUND.
    expect((await admin.client.gql(ChecksDocument, {})).data!.checks.nodes.map((n) => ('id' in n ? n.id : ''))).not.toContain(tc.id);
    for (const doc of [TcpMonitorDocument] as const) expect((await admin.client.gql(doc, { id: tc.id })).errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect((await admin.client.gql(RunDnsMonitorDocument, { id: dn.id })).errors?.[0].extensions?.code).toBe('NOT_FOUND');

    const monitorsOnly = await t.key(other, ['monitors:read']);
    // A fragment on the interface spread in one kind resolves on that kind: its scope only (TcpMonitorFields spreads CheckFields).
    const one = await monitorsOnly.client.gql(TcpMonitorDocument, { id: tc.id });
    expect(one.errors).toBeUndefined();
    expect(one.data!.tcpMonitor).toMatchObject({ id: tc.id, name: 'TCP', status: expect.any(String), tags: ['web', 'db'], paused: false });
    const inline = await monitorsOnly.client.gql(`{ tcpMonitor(id: "${tc.id}") { ... on Check { name } } }`);
    expect(inline.errors).toBeUndefined();
    const readers = await t.key(other, ['monitors:read', 'journeys:read']);
    const listed = await readers.client.gql(ChecksDocument, { kinds: ['TCP_MONITOR'] });
    expect(listed.errors).toBeUndefined();
    expect(listed.data!.checks.nodes.map((n) => ('id' in n ? n.id : null))).toEqual([tc.id]);
  });

  it("takes any kind's read scope and lists the kinds that scope reads; naming a kind it cannot read is FORBIDDEN", async () => {
    const org = await t.org(`Scoped ${Date.now()}`);
    const own = await t.key(org, ['all']);
    const mon = (await own.client.gql(CreateMonitorDocument, { input: { name: 'HTTP', url: 'http://127.0.0.1:9/' } })).data!.createMonitor;
    const tc = (await own.client.gql(CreateTcpMonitorDocument, { input: tcpInput({ name: 'TCP' }) })).data!.createTcpMonitor;
    const jr = (await own.client.gql(CreateJourneyDocument, { input: { name: 'Flow', steps: [{ name: 's', request: { method: 'GET', url: 'http://127.0.0.1:9/' } }] } })).data!.createJourney;
    const ids = (res: { data?: { checks: { nodes: object[] } } | null }) => res.data!.checks.nodes.map((n) => ('id' in n ? n.id : null));
    const restIds = (res: { body: unknown }) => (res.body as { data: { nodes: { id: string }[] } }).data.nodes.map((n) => n.id);

    // A CI key with monitors:read: monitors, TCP, DNS and heartbeats, through the whole document (its `... on Journey` included).
    const monitors = await t.key(org, ['monitors:read']);
    const m = await monitors.client.gql(ChecksDocument, {});
    expect(m.errors).toBeUndefined();
    expect(ids(m)).toEqual([tc.id, mon.id]);
    const mRest = await monitors.client.rest('GET', '/v1/checks');
    expect([mRest.status, restIds(mRest)]).toEqual([200, [tc.id, mon.id]]);
    const journeys = await t.key(org, ['journeys:read']);
    expect(ids(await journeys.client.gql(ChecksDocument, {}))).toEqual([jr.id]);
    expect(ids(await own.client.gql(ChecksDocument, {}))).toEqual([jr.id, tc.id, mon.id]);

    // Asking for a kind it cannot read: 403 naming the scope, like any other refusal; the kinds it can read, listed.
    const named = await monitors.client.gql(ChecksDocument, { kinds: ['JOURNEY', 'MONITOR'] });
    expect([named.status, named.errors?.[0].extensions]).toEqual([403, expect.objectContaining({ code: 'FORBIDDEN', missingScopes: ['journeys:read'], paths: ['checks'] })]);
    expect(named.errors?.[0].message).toBe('Insufficient permissions for this action');
    const namedRest = await monitors.client.rest('GET', '/v1/checks?kinds=JOURNEY');
    expect([namedRest.status, namedRest.body]).toEqual([403, expect.objectContaining({ success: false, error: expect.objectContaining({ code: 'FORBIDDEN', missing_scopes: ['journeys:read'] }) })]);
    expect(ids(await monitors.client.gql(ChecksDocument, { kinds: ['TCP_MONITOR'] }))).toEqual([tc.id]);

    // Neither read scope: refused before anything runs, naming both (either would do).
    const neither = await (await t.key(org, ['alerts:read'])).client.gql(ChecksDocument, {});
    expect([neither.status, neither.errors?.[0].extensions]).toEqual([403, expect.objectContaining({ code: 'FORBIDDEN', missingScopes: ['monitors:read', 'journeys:read'], paths: ['checks'] })]);
  });
});
