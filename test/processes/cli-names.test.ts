/**
 * `keys` and `orgs` (dist/src/cli, what `npm run keys` / `npm run orgs` run) print stored names escaped: a key or
 * organization name stored before the name rule, with a line break, a terminal escape or a bidirectional override,
 * stays on its own line and shows as `\n`, `\u001b`, `\u202e`; `--json` keeps the value as stored. Needs
 * `npm run build:server` (npm test builds first).
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database';
import { onPostgres, openTestDatabase, type TestDatabase, migratedDataDir } from '../helpers/database';
import { runCli, runCliInProcess } from '../helpers/process';

const KEY_NAME = 'Deploy\n::error::pwned\r\u001b[32mOK \u202eDELIAF\u2066';
const ORG_NAME = 'Legacy\nInc \u202egnp.exe \u200b\u2028';
/** Raw control and format characters, none of which may reach the terminal (ZWJ and ZWNJ aside). */
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b\u200e\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069\ufeff]/;

let dataDir: string;
let pg: TestDatabase | undefined;
let env: Record<string, string>;
let orgId: string;
let keyId: string;

beforeAll(async () => {
  dataDir = migratedDataDir('tracer-cli-names-');
  pg = onPostgres() ? await openTestDatabase() : undefined;
  env = pg ? { DATABASE_URL: pg.url!, SECRETS_KEY: randomBytes(32).toString('base64') } : { DATA_DIR: dataDir };
  const made = await runCli(['create', '--org', 'Legacy', '--name', 'Ops', '--permissions', 'all', '--json'], env);
  expect(made, made.stderr).toMatchObject({ code: 0 });
  ({ id: keyId, organizationId: orgId } = JSON.parse(made.stdout) as { id: string; organizationId: string });
  // Rows from before the name rule: written directly, as an older version could have stored them.
  const db = await openDatabase(pg ? { url: pg.url!, migrate: false } : { dataDir });
  try {
    const em = db.orm.em.fork();
    await em.nativeUpdate('ApiKey', { id: keyId }, { name: KEY_NAME });
    await em.nativeUpdate('Organization', { id: orgId }, { name: ORG_NAME });
  } finally {
    await db.close();
  }
});
afterAll(async () => {
  await pg?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const escapedKey = 'Deploy\\n::error::pwned\\r\\u001b[32mOK \\u202eDELIAF\\u2066';
const escapedOrg = 'Legacy\\nInc \\u202egnp.exe \\u200b\\u2028';

describe('stored names with control characters', () => {
  it('keys list: one row per key, the name escaped', async () => {
    const r = await runCliInProcess(['list', '--org', orgId], env);
    expect(r, r.stderr).toMatchObject({ code: 0 });
    expect(r.stdout).not.toMatch(RAW);
    expect(r.stdout.split('\n')).toEqual([expect.stringContaining(`${keyId}  ACTIVE `), '']);
    expect(r.stdout).toContain(`  ${escapedKey}  [`);
    // --json is data: the name as stored
    const json = await runCliInProcess(['list', '--org', orgId, '--json'], env);
    expect((JSON.parse(json.stdout) as Array<{ name: string }>).map((k) => k.name)).toEqual([KEY_NAME]);
  });

  it('orgs list and set-plan: the organization name escaped', async () => {
    const list = await runCli(['list'], env, 'orgs');
    expect(list, list.stderr).toMatchObject({ code: 0 });
    expect(list.stdout).not.toMatch(RAW);
    expect(list.stdout).toBe(`${orgId}  ${(await planOf()).padEnd(8)}  ${escapedOrg}\n`);
    const set = await runCliInProcess(['set-plan', '--org', orgId, '--plan', 'TEAM'], env, 'orgs');
    expect(set, set.stderr).toMatchObject({ code: 0 });
    expect(set.stdout).toBe(`${escapedOrg} (${orgId}) is now on TEAM.\n`);
  });

  it('keys create in that organization and keys revoke: the stored names escaped', async () => {
    const made = await runCliInProcess(['create', '--org', orgId, '--name', 'Second', '--permissions', 'monitors:read'], env);
    expect(made, made.stderr).toMatchObject({ code: 0 });
    expect(made.stdout).not.toMatch(RAW);
    expect(made.stdout.split('\n')[0]).toBe(`Organization "${escapedOrg}" (${orgId}) on the TEAM plan`);
    const revoked = await runCliInProcess(['revoke', keyId], env);
    expect(revoked, revoked.stderr).toMatchObject({ code: 0 });
    expect(revoked.stdout).not.toMatch(RAW);
    expect(revoked.stdout).toMatch(new RegExp(`^Revoked ${keyId} \\("${escapedKey.replace(/[\\[\]()]/g, '\\$&')}"\\) at \\S+\\n$`));
  });
});

/** The organization's plan, as `orgs list --json` says (DEFAULT_PLAN at creation). */
async function planOf(): Promise<string> {
  const r = await runCliInProcess(['list', '--json'], env, 'orgs');
  return (JSON.parse(r.stdout) as Array<{ id: string; plan: string }>).find((o) => o.id === orgId)!.plan;
}
