import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAppSchema, printAppSchema } from '../src/graphql/schema';
import { openTestDatabase, type TestDatabase } from './helpers/database';

let db: TestDatabase;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(() => db?.close());

describe('committed artefacts match the code', () => {
  it('the migrations produce exactly what the entities describe', async () => {
    const migrator = db.orm.getMigrator();
    expect(await migrator.getPendingMigrations()).toEqual([]);
    const diff = await db.orm.getSchemaGenerator().getUpdateSchemaSQL({ wrap: false });
    expect(diff.trim(), 'entities changed without a migration: run `npm run migration:create`').toBe('');
  });

  it('schema/schema.graphql is the schema printed from the code', async () => {
    const committed = fs.readFileSync(path.resolve(__dirname, '../schema/schema.graphql'), 'utf8');
    expect(printAppSchema((await buildAppSchema()).schema), 'run `npm run schema` and commit it').toBe(committed);
  });
});
