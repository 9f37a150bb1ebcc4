import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getMetadataStorage } from 'type-graphql';
import { buildAppSchema, printAppSchema } from '../../src/graphql/schema';
import { openTestDatabase, type TestDatabase } from '../helpers/database';
import { hasPendingMigrations, migratorOf } from '../../src/db/database';
import { loadMigrations, MIGRATION_NAMES } from '../../migrations';
import * as ops from '../../src/client/generated/graphql';
import { startTestApp } from '../helpers/app';

let db: TestDatabase;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(() => db?.close());

describe('committed artefacts match the code', () => {
  it('the migrations produce exactly what the entities describe', async () => {
    const migrator = await migratorOf(db.orm);
    expect(await migrator.getPendingMigrations()).toEqual([]);
    expect(await hasPendingMigrations(db.orm)).toBe(false);
    const diff = await db.orm.getSchemaGenerator().getUpdateSchemaSQL({ wrap: false });
    expect(diff.trim(), 'entities changed without a migration: run `npm run migration:create`').toBe('');
  });

  it('migrations/index.ts lists every migration file, in order, and its names are the classes it loads', async () => {
    const files = fs
      .readdirSync(path.resolve(__dirname, '../../migrations'))
      .filter((f) => /^Migration\d+.*\.ts$/.test(f))
      .map((f) => f.replace(/\.ts$/, ''))
      .sort();
    expect(MIGRATION_NAMES).toEqual(files);
    expect((await loadMigrations()).map((m) => [m.name, typeof m.class])).toEqual(files.map((f) => [f, 'function']));
  });

  it('a database missing a migration is seen as pending without loading the migrator', async () => {
    const other = await openTestDatabase();
    try {
      await other.orm.em.getConnection().execute(`delete from mikro_orm_migrations where name = ?`, [MIGRATION_NAMES.at(-1)]);
      expect(await hasPendingMigrations(other.orm)).toBe(true);
      await other.orm.em.getConnection().execute('drop table mikro_orm_migrations');
      expect(await hasPendingMigrations(other.orm)).toBe(true);
    } finally {
      await other.close();
    }
  });

  it('schema/schema.graphql is the schema printed from the code', async () => {
    const committed = fs.readFileSync(path.resolve(__dirname, '../../schema/schema.graphql'), 'utf8');
    expect(printAppSchema((await buildAppSchema()).schema), 'run `npm run schema` and commit it').toBe(committed);
  });

  it("the printed schema is the same when a field resolver's stored arguments were sorted by an earlier build's app", async () => {
    // What running `stats` through an app of the process's first build does to the array every later build reads
    // (test files sharing a worker): getParams sorts it by parameter position, in place.
    await buildAppSchema();
    const storage = getMetadataStorage();
    const stored = ['Monitor', 'Journey'].map((name) => storage.objectTypes.find((t) => t.name === name)!.fields!.find((f) => f.name === 'stats')!);
    for (const field of stored) field.params!.sort((a, b) => a.index - b.index);
    const committed = fs.readFileSync(path.resolve(__dirname, '../../schema/schema.graphql'), 'utf8');
    expect(printAppSchema((await buildAppSchema()).schema)).toBe(committed);
  });

  it('the printed schema is the same after field resolvers with several arguments ran in this process', async () => {
    // Running `stats` used to reorder its arguments' metadata for every later schema build in the process (a test
    // file after stats.test.ts in one worker printed `window, location`).
    const committed = fs.readFileSync(path.resolve(__dirname, '../../schema/schema.graphql'), 'utf8');
    const t = await startTestApp();
    try {
      const admin = (await t.key(await t.org(), ['all'])).client;
      const made = await admin.gql(ops.CreateMonitorDocument, { input: { name: 'm', url: 'http://127.0.0.1:9/', intervalSeconds: 3600 } as never });
      expect(made.errors).toBeUndefined();
      const read = await admin.gql(ops.MonitorStatsDocument, { id: made.data!.createMonitor.id, window: 'LAST_7_DAYS' });
      expect(read.errors).toBeUndefined();
      const series = await admin.gql(ops.MonitorSeriesDocument, { id: made.data!.createMonitor.id, window: 'LAST_7_DAYS', interval: 'DAY' });
      expect(series.errors).toBeUndefined();
      expect(printAppSchema((await buildAppSchema()).schema)).toBe(committed);
    } finally {
      await t.close();
    }
  });
});
