import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, inject } from 'vitest';
import { openDatabase, type Database, type DatabaseOptions } from '../../src/db/database';
import { PGDATA } from '../../src/db/data-dir';
import { TEMPLATE_FILE, withAdmin } from './global-setup';

export type TestDatabase = Database;

export const onPostgres = () => !!process.env.TEST_DATABASE_URL;

/**
 * Whether this pass runs a test that does not depend on the database behind it (the embedded database's own files
 * and connections, the HTTP server's limits on slow or vanishing clients, the GraphQL document limits checked
 * before anything runs, the Sandbox page, clients generated from the schema, the dashboard on a DATA_DIR of its
 * own). Such a test runs once: in the embedded pass (`npm test`), and not in the PostgreSQL pass
 * (`TEST_DATABASE_URL`), which would repeat it word for word. When CI runs both passes side by side
 * (`CI_PASSES=both`, .ci/run), a few of the longest name the PostgreSQL pass instead (`ciPass: 'postgres'`), to
 * even the two passes out; every test that reads or writes data still runs in both.
 */
export function runsInThisPass(ciPass: 'embedded' | 'postgres' = 'embedded'): boolean {
  if (process.env.CI_PASSES !== 'both') return !onPostgres();
  return ciPass === 'postgres' ? onPostgres() : !onPostgres();
}

/** `describe` for what does not depend on the database (see `runsInThisPass`). A file whose every test is skipped runs none of its hooks either. */
export const describeDatabaseAgnostic = describe.skipIf(!runsInThisPass());

/**
 * The migrated template as PGlite loads it. PGlite reads `loadDataDir` with `Blob.arrayBuffer()`, which on Node 20
 * copies a blob of this size (~42 MB: three databases and a 16 MB WAL segment) chunk by chunk: measured here, a
 * database opened in 2.0 s of CPU that way and in 1.2 s from bytes handed over whole, on every app a file starts.
 * The bytes are read once per test worker (files share one: `isolate: false`); each open gets its own copy, since
 * PGlite's untar reads them while the next file may be opening.
 */
class TemplateBlob extends Blob {
  constructor(private readonly contents: Buffer) {
    super([]);
  }

  override async arrayBuffer(): Promise<ArrayBuffer> {
    return this.contents.buffer.slice(this.contents.byteOffset, this.contents.byteOffset + this.contents.length) as ArrayBuffer;
  }
}
let template: Buffer | undefined;
const templateBlob = () => new TemplateBlob((template ??= fs.readFileSync(TEMPLATE_FILE)));

/**
 * A new DATA_DIR (under the system's temporary directory, named from `prefix`) for server, worker and CLI processes
 * on the embedded database, holding a copy of the run's migrated template cluster: a process starting on an empty
 * directory first runs initdb and every migration (measured here: 13 s of CPU for `orgs list`, against 3.5 s on a
 * migrated directory), which a test not about the first start has no reason to pay. Tests of the first start itself
 * (the README walkthrough, the seed test, data-directory modes) make an empty directory. Without the template (a
 * PostgreSQL pass that has not made it), the directory starts empty and the process migrates it, as on a first start.
 */
export function migratedDataDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  if (fs.existsSync(TEMPLATE_FILE)) {
    const pgdata = path.join(dir, PGDATA);
    fs.mkdirSync(pgdata, { mode: 0o700 });
    // GNU tar, as Debian has it; it strips the members' leading '/' (and says so on stderr, ignored).
    execFileSync('tar', ['-xf', TEMPLATE_FILE, '-C', pgdata], { stdio: 'ignore' });
  }
  return dir;
}

interface FromScratch {
  /** An empty database, migrated as it opens (a test of the migrations themselves), not a copy of the template. */
  fromScratch?: boolean;
}

/**
 * A fresh, migrated database for one test file, copied from the run's migrated template (global-setup.ts):
 * in-memory PGlite loaded from the saved cluster by default; with TEST_DATABASE_URL a database of its own on that
 * server, created from the template now and dropped on close, so leftovers of earlier runs never decide a result.
 */
export async function openTestDatabase(onQuery?: (sql: string) => void, options: Pick<DatabaseOptions, 'queryTimeoutMs' | 'migrate'> & FromScratch = {}): Promise<TestDatabase> {
  const { fromScratch, ...open } = options;
  // Not migrating means an empty database, as before there was a template (concurrent-start migrates it itself).
  const empty = fromScratch || options.migrate === false;
  const admin = process.env.TEST_DATABASE_URL;
  if (!admin) {
    const loadDataDir = !empty && fs.existsSync(TEMPLATE_FILE) ? templateBlob() : undefined;
    return openDatabase({ loadDataDir, onQuery, ...open });
  }
  const name = `tracer_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await withAdmin(admin, (c) => c.query(`create database "${name}"${empty ? '' : ` template "${inject('templateDatabase')}"`}`));
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const db = await openDatabase({ url: url.toString(), onQuery, ...open });
  return {
    ...db,
    url: url.toString(),
    async close() {
      await db.close();
      await withAdmin(admin, (c) => c.query(`drop database if exists "${name}" with (force)`));
    },
  };
}
