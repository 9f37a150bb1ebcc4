/**
 * What an operator reads (issue 23, point 22): per-request lines only when asked for (LOG_REQUESTS=true at info, or
 * LOG_LEVEL=debug), alerts opening and resolving at info with their ids, and a readable form for a terminal.
 */
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateMonitorDocument, RunMonitorDocument } from '../../src/client/generated/graphql';
import { loadConfig } from '../../src/config';
import { logDestination, prettyLine } from '../../src/http/log-output';
import { startTestApp, type TestApp } from '../helpers/app';
import { startTarget, type Target } from '../helpers/target';

interface Line {
  level: number;
  msg: string;
  [key: string]: unknown;
}

const apps: TestApp[] = [];
let target: Target;
let healthy = true;
beforeAll(async () => {
  target = await startTarget();
  target.route('/flappy', (_req, res) => res.writeHead(healthy ? 200 : 500).end());
});
afterAll(async () => {
  for (const t of apps) await t.close();
  await target?.close();
});

/** An app whose log lines are kept, at LOG_LEVEL info unless told otherwise. */
async function logged(env: Record<string, string> = {}) {
  let out = '';
  const stream = new PassThrough();
  stream.on('data', (d) => (out += d));
  const t = await startTestApp({ LOG_LEVEL: 'info', ...env }, { logStream: stream });
  apps.push(t);
  const lines = async () => {
    await new Promise((r) => setTimeout(r, 50));
    return out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);
  };
  return { t, lines };
}

async function someRequests(t: TestApp) {
  const { client } = await t.key(await t.org(), ['all']);
  expect((await client.rest('GET', '/v1/me')).status).toBe(200);
  expect((await fetch(`${t.baseUrl}/healthz`)).status).toBe(200);
  expect((await fetch(`${t.baseUrl}/no-such-route`)).status).toBe(404);
}

const perRequest = (lines: Line[]) => lines.filter((l) => /^(incoming request|request completed|Route .* not found)$/.test(l.msg));

describe('logs', () => {
  it('at the default level, no line per request', async () => {
    const { t, lines } = await logged();
    await someRequests(t);
    expect(perRequest(await lines())).toEqual([]);
  });

  it('LOG_REQUESTS=true: each request in and out at info; LOG_LEVEL=debug: the same lines at debug', async () => {
    const asked = await logged({ LOG_REQUESTS: 'true' });
    await someRequests(asked.t);
    const info = perRequest(await asked.lines());
    expect(info.filter((l) => l.msg === 'request completed').length).toBeGreaterThanOrEqual(3);
    expect(new Set(info.map((l) => l.level))).toEqual(new Set([30]));

    const debug = await logged({ LOG_LEVEL: 'debug' });
    await someRequests(debug.t);
    const lines = perRequest(await debug.lines());
    expect(lines.filter((l) => l.msg === 'incoming request').length).toBeGreaterThanOrEqual(3);
    expect(lines.filter((l) => l.msg === 'request completed').length).toBeGreaterThanOrEqual(3);
    expect(new Set(lines.map((l) => l.level))).toEqual(new Set([20]));
  });

  it('an alert opening and resolving: one info line each, with its ids', async () => {
    const { t, lines } = await logged();
    const { client } = await t.key(await t.org('Acme Inc'), ['all']);
    const made = await client.gql(CreateMonitorDocument, { input: { name: 'Flappy', url: `${target.url}/flappy`, failureThreshold: 1 } });
    const monitorId = made.data!.createMonitor.id;
    healthy = false;
    expect((await client.gql(RunMonitorDocument, { id: monitorId })).errors).toBeUndefined();
    healthy = true;
    expect((await client.gql(RunMonitorDocument, { id: monitorId })).errors).toBeUndefined();
    const alertLines = (await lines()).filter((l) => l.msg.startsWith('alert '));
    expect(alertLines.map((l) => [l.msg, l.level])).toEqual([
      ['alert opened', 30],
      ['alert resolved', 30],
    ]);
    for (const l of alertLines) expect(l).toMatchObject({ alertId: expect.stringMatching(/^alr_/), checkId: monitorId, organizationId: expect.stringMatching(/^org_/) });
    expect(alertLines[0].alertId).toBe(alertLines[1].alertId);
  });

  it('LOG_FORMAT=pretty: one readable line per entry; JSON when asked or when not writing to a terminal', () => {
    const line = JSON.stringify({ level: 30, time: Date.UTC(2026, 11, 5, 12, 34, 56, 789), pid: 1, hostname: 'h', msg: 'alert opened', alertId: 'alr_1', locations: ['eu', 'us'] });
    expect(prettyLine(line)).toBe('12:34:56.789 INFO  alert opened alertId=alr_1 locations=["eu","us"]\n');
    expect(prettyLine('not json')).toBe('not json\n');
    const err = JSON.stringify({ level: 50, time: 0, msg: 'boom', err: { message: 'x', stack: 'Error: x\n    at y' } });
    expect(prettyLine(err)).toContain('00:00:00.000 ERROR boom err={"message":"x","stack":"Error: x\\n    at y"}\n    Error: x\n        at y\n');

    // Control and format characters never reach the terminal raw: ESC, DEL, C1 (CSI), a newline, a bidi override.
    const hostile = JSON.stringify({
      level: 30,
      time: 0,
      msg: 'Route GET:/\x1b[2J not found\nFAKE',
      url: '/\x1b]0;owned\x07',
      plain: 'a\x7fb',
      csi: 'x\u009b31m',
      bidi: 'abc\u202edef',
      nested: { v: 'q\u009bz' },
      'k\x1b': 1,
      err: { stack: 'Error: \x1b[31mred\n    at y' },
    });
    const pretty = prettyLine(hostile);
    expect(pretty).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]/);
    expect(pretty).toBe(
      '00:00:00.000 INFO  Route GET:/\\u001b[2J not found\\nFAKE url="/\\u001b]0;owned\\u0007" plain="a\\u007fb" csi="x\\u009b31m" ' +
        'bidi="abc\\u202edef" nested={"v":"q\\u009bz"} k\\u001b=1 err={"stack":"Error: \\u001b[31mred\\n    at y"}\n' +
        '    Error: \\u001b[31mred\n        at y\n',
    );
    expect(prettyLine(JSON.stringify({ level: 30, time: 0, msg: 'ok', id: 'mon_1', name: 'Ünïcødé' }))).toBe('00:00:00.000 INFO  ok id=mon_1 name=Ünïcødé\n');

    let out = '';
    const sink = new PassThrough().on('data', (d) => (out += d));
    logDestination(loadConfig({ LOG_FORMAT: 'pretty' }), sink)!.write(line);
    expect(out).toBe(prettyLine(line));
    const json = new PassThrough();
    expect(logDestination(loadConfig({ LOG_FORMAT: 'json' }), json)).toBe(json);
    expect(logDestination(loadConfig({}), json)).toBe(json); // auto, and not a terminal
  });
});

describe('request ids', () => {
  /** A raw request, so the body is seen as a client sees it (the test client checks and takes the id out). */
  async function raw(t: TestApp, path: string, init: RequestInit = {}) {
    const res = await fetch(`${t.baseUrl}${path}`, init);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const body = (await res.json()) as Record<string, any>;
    return { status: res.status, header: res.headers.get('x-request-id'), body };
  }
  const gql = (query: string, headers: Record<string, string> = {}) => ({
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });

  it("an error body's requestId is its X-Request-Id and the reqId of that request's log lines", async () => {
    const { t, lines } = await logged({ LOG_REQUESTS: 'true' });
    const { key } = await t.key(await t.org(), ['monitors:read']);
    const auth = { authorization: `Bearer ${key}` };

    const rest401 = await raw(t, '/v1/monitors');
    expect(rest401.status).toBe(401);
    expect(rest401.body).toEqual({ success: false, error: { code: 'UNAUTHORIZED', message: 'Invalid or missing API key', request_id: rest401.header } });
    const rest403 = await raw(t, '/v1/alerts', { headers: auth });
    expect(rest403.status).toBe(403);
    expect(rest403.body.error).toMatchObject({ code: 'FORBIDDEN', missing_scopes: ['alerts:read'], request_id: rest403.header });
    const gql401 = await raw(t, '/graphql', gql('{ me { key { name } } }'));
    expect(gql401.status).toBe(401);
    expect(gql401.body.errors).toEqual([{ message: 'Invalid or missing API key', extensions: { code: 'UNAUTHORIZED', requestId: gql401.header } }]);
    const gql403 = await raw(t, '/graphql', gql('{ alerts { nodes { id } } }', auth));
    expect(gql403.status).toBe(403);
    expect(gql403.body.errors[0].extensions).toMatchObject({ code: 'FORBIDDEN', requestId: gql403.header });
    const parse400 = await raw(t, '/graphql', gql('{ me {', auth));
    expect(parse400.body.errors[0].extensions).toEqual({ code: 'GRAPHQL_PARSE_FAILED', requestId: parse400.header });
    const badJson = await raw(t, '/graphql', { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: '{' });
    expect(badJson.status).toBe(400);
    expect(badJson.body.errors[0].extensions).toEqual({ code: 'BAD_REQUEST', requestId: badJson.header });

    const answers = [rest401, rest403, gql401, gql403, parse400, badJson];
    const ids = answers.map((a) => a.header);
    expect(new Set(ids).size).toBe(answers.length);
    for (const id of ids) expect(id).toMatch(/^req-[0-9a-f-]{36}$/);
    const logged_ = await lines();
    for (const a of answers) {
      const completed = logged_.filter((l) => l.msg === 'request completed' && l.reqId === a.header);
      expect(completed, `log line of ${a.header}`).toHaveLength(1);
      expect((completed[0].res as { statusCode: number }).statusCode).toBe(a.status);
    }
  });

  it("what the router refuses before any route runs (a URL that does not decode, a path parameter over its length) carries the envelope and the request's id; under /v1 a keyless one is the 401", async () => {
    const { t, lines } = await logged({ LOG_REQUESTS: 'true' });
    const { key } = await t.key(await t.org(), ['monitors:read']);
    const auth = { authorization: `Bearer ${key}` };
    const long = 'x'.repeat(101);

    // Without a key, a /v1 path the router refuses says no more than any other: the same 401.
    for (const path of ['/v1/monitors/%E0', `/v1/monitors/${long}`]) {
      const refused = await raw(t, path);
      expect(refused.status, path).toBe(401);
      expect(refused.body).toEqual({ success: false, error: { code: 'UNAUTHORIZED', message: 'Invalid or missing API key', request_id: refused.header } });
    }
    const badUrl = await raw(t, '/v1/monitors/%E0', { headers: auth });
    expect(badUrl.status).toBe(400);
    expect(badUrl.body).toMatchObject({ success: false, error: { code: 'BAD_REQUEST', request_id: badUrl.header } });
    const tooLong = await raw(t, `/v1/monitors/${long}`, { headers: auth });
    expect(tooLong.status).toBe(414);
    expect(tooLong.body).toMatchObject({ success: false, error: { code: 'BAD_REQUEST', request_id: tooLong.header } });
    const outside = await raw(t, '/graphql%E0');
    expect(outside.status).toBe(400);
    expect(outside.body.errors[0].extensions).toEqual({ code: 'BAD_REQUEST', requestId: outside.header });

    for (const a of [badUrl, tooLong, outside]) expect(a.header).toMatch(/^req-[0-9a-f-]{36}$/);
    const logged_ = await lines();
    // Fastify runs no response hooks for these, so their line is the incoming one (LOG_REQUESTS=true).
    for (const a of [badUrl, tooLong, outside])
      expect(logged_.some((l) => l.msg === 'incoming request' && l.reqId === a.header), `log line of ${a.header}`).toBe(true);
  });

  it('a safe incoming X-Request-Id is kept; anything else is replaced', async () => {
    const { t, lines } = await logged({ LOG_REQUESTS: 'true' });
    const kept = await raw(t, '/v1/me', { headers: { 'x-request-id': 'lb-7f3a.2_x' } });
    expect([kept.header, kept.body.error.request_id]).toEqual(['lb-7f3a.2_x', 'lb-7f3a.2_x']);
    expect((await lines()).some((l) => l.msg === 'request completed' && l.reqId === 'lb-7f3a.2_x')).toBe(true);
    for (const hostile of ['a b', 'x'.repeat(65), 'id"}', 'é', '']) {
      const replaced = await raw(t, '/v1/me', { headers: { 'x-request-id': hostile } });
      expect(replaced.header).toMatch(/^req-[0-9a-f-]{36}$/);
      expect(replaced.body.error.request_id).toBe(replaced.header);
    }
  });
});
