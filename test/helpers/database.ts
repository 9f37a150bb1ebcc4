import * as fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { openDatabase, type Database, type DatabaseOptions } from '../../src/db/database';
import { TEMPLATE_FILE, withAdmin } from './global-setup';

export type TestDatabase = Database;

export const onPostgres = () => !!process.env.TEST_DATABASE_URL;

/**
 * A fresh, migrated database for one test file, copied from the run's migrated template (global-setup.ts):
 * in-memory PGlite loaded from the saved cluster by default; with TEST_DATABASE_URL a database of its own on that
 * server, created from the template now and dropped on close, so leftovers of earlier runs never decide a result.
 */
export async function openTestDatabase(onQuery?: (sql: string) => void, options: Pick<DatabaseOptions, 'queryTimeoutMs' | 'migrate'> = {}): Promise<TestDatabase> {
  const admin = process.env.TEST_DATABASE_URL;
  if (!admin) {
    const loadDataDir = fs.existsSync(TEMPLATE_FILE) ? new Blob([fs.readFileSync(TEMPLATE_FILE)]) : undefined;
    return openDatabase({ loadDataDir, onQuery, ...options });
  }
  const name = `tracer_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await withAdmin(admin, (c) => c.query(`create database "${name}" template "${inject('templateDatabase')}"`));
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const db = await openDatabase({ url: url.toString(), onQuery, ...options });
  return {
    ...db,
    url: url.toString(),
    async close() {
      await db.close();
      await withAdmin(admin, (c) => c.query(`drop database if exists "${name}" with (force)`));
    },
  };
}
