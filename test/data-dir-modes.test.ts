/**
 * The embedded database's files are its owner's alone (issue 23, point 6): DATA_DIR and every directory in it 0700,
 * every file 0600 (the WAL, the key file, the lock), on a fresh start, for files PostgreSQL makes later, and again
 * after someone loosened them.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../src/app';
import { loadConfig } from '../src/config';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracer-modes-'));
const dataDir = path.join(dir, 'data');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const start = () =>
  createApp(loadConfig({ DATA_DIR: dataDir, BCRYPT_COST: '4', BOOTSTRAP_KEY: 'false', LOG_LEVEL: 'silent', SCHEDULING: 'false', WORKER: 'false' }));

/** Every path under DATA_DIR (itself included) whose permission bits are not the owner's alone. */
function loose(): string[] {
  const found: string[] = [];
  const walk = (at: string) => {
    const stat = fs.lstatSync(at);
    const mode = stat.mode & 0o777;
    if (stat.isDirectory()) {
      if (mode !== 0o700) found.push(`${path.relative(dir, at)} ${mode.toString(8)}`);
      for (const name of fs.readdirSync(at)) walk(path.join(at, name));
    } else if (stat.isFile() && mode !== 0o600) found.push(`${path.relative(dir, at)} ${mode.toString(8)}`);
  };
  walk(dataDir);
  return found;
}
const files = (sub: string) => fs.readdirSync(path.join(dataDir, sub)).map((f) => path.join(dataDir, sub, f));

describe('embedded database files', () => {
  let app: App | undefined;
  afterAll(() => app?.close());

  it('a fresh DATA_DIR: 0700 and every file 0600, those PostgreSQL makes later too', async () => {
    app = await start();
    const count = fs.readdirSync(dataDir, { recursive: true }).length;
    expect(count).toBeGreaterThan(500);
    expect(fs.existsSync(path.join(dataDir, 'secrets.key'))).toBe(true);
    expect(loose()).toEqual([]);
    // New relation files and a new WAL segment, made while the database runs.
    const sql = (text: string) => app!.database.orm.em.getConnection().execute(text);
    const before = new Set(fs.readdirSync(dataDir, { recursive: true }) as string[]);
    await sql('create table mode_probe (id int primary key, v text)');
    await sql(`insert into mode_probe select g, repeat('x', 200) from generate_series(1, 2000) g`);
    await sql('select pg_switch_wal()');
    await sql('checkpoint');
    const made = (fs.readdirSync(dataDir, { recursive: true }) as string[]).filter((f) => !before.has(f));
    expect(made.length).toBeGreaterThan(0);
    expect(loose()).toEqual([]);
    await app.close();
    app = undefined;
  });

  it('files someone loosened are put back at the next start', async () => {
    const wal = files('pgdata/pg_wal').find((f) => fs.statSync(f).isFile())!;
    const loosened = [path.join(dataDir, 'secrets.key'), path.join(dataDir, 'pgdata/PG_VERSION'), wal];
    for (const f of loosened) fs.chmodSync(f, 0o666);
    fs.chmodSync(path.join(dataDir, 'pgdata/base'), 0o777);
    fs.chmodSync(dataDir, 0o755);
    expect(loose().length).toBe(5);
    app = await start();
    expect(loose()).toEqual([]);
  });
});
