import 'reflect-metadata';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Client } from 'pg';
import { openDatabase } from '../../src/db/database';
import { PGDATA } from '../../src/db/data-dir';

declare module 'vitest' {
  export interface ProvidedContext {
    /** On PostgreSQL (TEST_DATABASE_URL): the migrated database each test file's database is copied from. */
    templateDatabase: string;
  }
}

const ROOT = path.resolve(__dirname, '../..');

/**
 * The committed migrations' fingerprint: a migration added or edited makes a new template, so a saved one never
 * decides a result for code it was not migrated by.
 */
function migrationsFingerprint(): string {
  const dir = path.join(ROOT, 'migrations');
  const hash = createHash('sha256');
  for (const file of fs.readdirSync(dir).sort()) hash.update(file).update(fs.readFileSync(path.join(dir, file)));
  return hash.digest('hex').slice(0, 16);
}

const PGLITE_VERSION: string = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules/@electric-sql/pglite/package.json'), 'utf8')).version;

/** Where the saved, migrated PGlite cluster lives: made once, loaded by every test file (and by later runs). */
export const TEMPLATE_FILE = path.join(ROOT, `node_modules/.cache/tracer/pglite-${PGLITE_VERSION}-migrated-${migrationsFingerprint()}.tar`);

/**
 * Before any test file, once per run: a migrated template database, so that each file's database starts with
 * the schema instead of migrating it. On PGlite a saved cluster (TEMPLATE_FILE); on PostgreSQL
 * (TEST_DATABASE_URL) a database `tracer_tpl_<pid>` that each file's database is created from, dropped at the end.
 * The projects that use a database share the one template (state on `globalThis`: they run in this process).
 */
export default async function setup(project: { provide(key: 'templateDatabase', value: string): void }): Promise<() => Promise<void>> {
  const shared = ((globalThis as { tracerTemplate?: Shared }).tracerTemplate ??= { users: 0, ready: makeTemplate() });
  shared.users++;
  const template = await shared.ready;
  if (template) project.provide('templateDatabase', template);
  return async () => {
    if (--shared.users > 0 || !template) return;
    await withAdmin(process.env.TEST_DATABASE_URL!, (c) => c.query(`drop database if exists "${template}" with (force)`));
  };
}

interface Shared {
  users: number;
  /** The PostgreSQL template's name; undefined on PGlite. */
  ready: Promise<string | undefined>;
}

async function makeTemplate(): Promise<string | undefined> {
  const admin = process.env.TEST_DATABASE_URL;
  if (admin) {
    const name = `tracer_tpl_${process.pid}`;
    await withAdmin(admin, async (c) => {
      await c.query(`drop database if exists "${name}" with (force)`);
      await c.query(`create database "${name}"`);
    });
    const url = new URL(admin);
    url.pathname = `/${name}`;
    // Closed before any copy: PostgreSQL copies a template only while nobody is connected to it.
    await (await openDatabase({ url: url.toString() })).close();
    return name;
  }
  if (!fs.existsSync(TEMPLATE_FILE)) await savePgliteTemplate();
  return undefined;
}

/** Migrates a new embedded database in a temporary directory and saves its cluster as TEMPLATE_FILE. */
async function savePgliteTemplate(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracer-template-'));
  try {
    await (await openDatabase({ dataDir: dir })).close();
    const db = await PGlite.create({ dataDir: path.join(dir, PGDATA) });
    const dump = await db.dumpDataDir('none');
    await db.close();
    fs.mkdirSync(path.dirname(TEMPLATE_FILE), { recursive: true });
    const tmp = `${TEMPLATE_FILE}.${process.pid}`;
    fs.writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
    fs.renameSync(tmp, TEMPLATE_FILE); // atomic: a run started meanwhile sees the whole file or none
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function withAdmin<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
