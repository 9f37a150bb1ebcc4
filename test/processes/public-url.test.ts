/**
 * With PORT=0 and no PUBLIC_URL the server listens on a port the system picks, and the links it makes name that
 * port, not 0: the first start's setup link, heartbeat ping URLs, invitation links. The built server
 * (`dist/src/server.js`, what `npm start` runs) as its own process; `npm run build:server` first.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnServer, type ServerProcess } from '../helpers/process';

let dataDir: string;
let server: ServerProcess;
let key: string;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracer-public-url-'));
  server = await spawnServer({ DATA_DIR: dataDir }); // PORT=0, no PUBLIC_URL
  key = /izli_sk_live_[0-9A-Za-z]{50}/.exec(server.output())?.[0] ?? '';
}, 120_000);
afterAll(async () => {
  await server?.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

const gql = async (query: string, variables: Record<string, unknown> = {}) => {
  const res = await fetch(`${server.baseUrl}/graphql`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  return (await res.json()) as { data?: Record<string, Record<string, unknown>>; errors?: unknown[] };
};

describe('PORT=0 without PUBLIC_URL', () => {
  it('listens on a real port, and the first start printed the setup link with it', () => {
    expect(key, server.output()).not.toBe('');
    expect(new URL(server.baseUrl).port).not.toBe('0');
    const link = /^ {4}(http:\/\/\S+\/dashboard\/setup\?token=[0-9A-Za-z]{43})$/m.exec(server.output())?.[1] ?? '';
    expect(new URL(link).origin, server.output()).toBe(server.baseUrl);
    // Printed before the server says it listens, where it always was.
    expect(server.output().indexOf(link)).toBeLessThan(server.output().indexOf('Server listening at'));
  });

  it("a heartbeat's ping URL names the port the server listens on, and a ping to it is taken", async () => {
    const created = await gql('mutation($input: CreateHeartbeatInput!) { createHeartbeat(input: $input) { pingUrl } }', { input: { name: 'Nightly', periodSeconds: 3600 } });
    const pingUrl = String(created.data?.createHeartbeat.pingUrl);
    expect(pingUrl.startsWith(`${server.baseUrl}/ping/`), pingUrl).toBe(true);
    const res = await fetch(pingUrl);
    expect([res.status, await res.text()]).toEqual([200, 'OK']);
  });

  it('an invitation link names it too', async () => {
    const invited = await gql('mutation($input: InviteMemberInput!) { inviteMember(input: $input) { inviteUrl } }', { input: { email: 'new@people.example', role: 'VIEWER' } });
    const url = String(invited.data?.inviteMember.inviteUrl);
    expect(new URL(url).origin, JSON.stringify(invited)).toBe(server.baseUrl);
  });
});
