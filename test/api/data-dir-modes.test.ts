/**
 * The embedded database's files are its owner's alone (issue 23, point 6): DATA_DIR and every directory in it 0700,
 * every file 0600 (the WAL, the key file, the lock), on a fresh start, for files PostgreSQL makes later, and again
 * after someone loosened them. Only tracer's: other files in DATA_DIR keep their modes, and a symlinked DATA_DIR is
 * secured as its target.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { describeDatabaseAgnostic } from '../helpers/database';
import { createApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracer-modes-'));
const dataDir = path.join(dir, 'data');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const start = (at = dataDir) =>
  createApp(loadConfig({ DATA_DIR: at, BCRYPT_COST: '4', BOOTSTRAP_KEY: 'false', LOG_LEVEL: 'silent', SCHEDULING: 'false', WORKER: 'false' }));

/** Every path under `root` (itself included) whose permission bits are not the owner's alone. */
function loose(root = dataDir): string[] {
  const found: string[] = [];
  const walk = (at: string) => {
    const stat = fs.lstatSync(at);
    const mode = stat.mode & 0o777;
    if (stat.isDirectory()) {
      if (mode !== 0o700) found.push(`${path.relative(dir, at)} ${mode.toString(8)}`);
      for (const name of fs.readdirSync(at)) walk(path.join(at, name));
    } else if (stat.isFile() && mode !== 0o600) found.push(`${path.relative(dir, at)} ${mode.toString(8)}`);
  };
  walk(root);
  return found;
}
const files = (root: string, sub: string) => fs.readdirSync(path.join(root, sub)).map((f) => path.join(root, sub, f));

describeDatabaseAgnostic('embedded database files', () => {
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
    // A DATA_DIR of its own, made by a start and left by a stop.
    const at = path.join(dir, 'loosened');
    await (await start(at)).close();
    const wal = files(at, 'pgdata/pg_wal').find((f) => fs.statSync(f).isFile())!;
    const loosened = [path.join(at, 'secrets.key'), path.join(at, 'pgdata/PG_VERSION'), wal];
    for (const f of loosened) fs.chmodSync(f, 0o666);
    fs.chmodSync(path.join(at, 'pgdata/base'), 0o777);
    fs.chmodSync(at, 0o755);
    expect(loose(at).length).toBe(5);
    app = await start(at);
    expect(loose(at)).toEqual([]);
    await app.close();
    app = undefined;
  });
  it('only tracer\'s own: other files in DATA_DIR keep their modes; a symlinked DATA_DIR is secured as its target', async () => {
    await app?.close();
    app = undefined;
    const real = path.join(dir, 'shared');
    fs.mkdirSync(path.join(real, 'tools'), { recursive: true });
    fs.chmodSync(real, 0o755);
    fs.chmodSync(path.join(real, 'tools'), 0o755);
    fs.writeFileSync(path.join(real, 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
    fs.writeFileSync(path.join(real, 'tools', 'notes.txt'), 'shared\n', { mode: 0o644 });
    fs.chmodSync(path.join(real, 'run.sh'), 0o755);
    fs.chmodSync(path.join(real, 'tools', 'notes.txt'), 0o644);
    const link = path.join(dir, 'data-link');
    fs.symlinkSync(real, link);
    const mode = (at: string) => (fs.statSync(at).mode & 0o777).toString(8);

    app = await start(link);
    expect(mode(real)).toBe('700');
    expect(loose(path.join(real, 'pgdata'))).toEqual([]);
    expect(mode(path.join(real, 'secrets.key'))).toBe('600');
    expect([mode(path.join(real, 'run.sh')), mode(path.join(real, 'tools')), mode(path.join(real, 'tools', 'notes.txt'))]).toEqual(['755', '755', '644']);
    await app.close();
    app = undefined;

    // Loosened while stopped: put right at the next start through the link; the other files still untouched.
    fs.chmodSync(real, 0o755);
    fs.chmodSync(path.join(real, 'secrets.key'), 0o644);
    fs.chmodSync(path.join(real, 'pgdata', 'PG_VERSION'), 0o644);
    app = await start(link);
    expect(mode(real)).toBe('700');
    expect(mode(path.join(real, 'secrets.key'))).toBe('600');
    expect(loose(path.join(real, 'pgdata'))).toEqual([]);
    expect([mode(path.join(real, 'run.sh')), mode(path.join(real, 'tools')), mode(path.join(real, 'tools', 'notes.txt'))]).toEqual(['755', '755', '644']);
    await app.close();
    app = undefined;
  });
});
