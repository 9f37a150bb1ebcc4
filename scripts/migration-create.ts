/**
 * `npm run migration:create`: diffs the entities against a database migrated to the latest committed
 * migration and writes the difference as a new migration in migrations/, then regenerates migrations/index.ts.
 * Uses a throwaway in-memory PGlite, so it needs no server and touches no data.
 */
import 'reflect-metadata';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { migratorOf, openDatabase } from '../src/db/database';

async function main() {
  const db = await openDatabase({ migrate: true });
  if (process.argv.includes('--check')) {
    // CI: the committed migrations must produce exactly what the entities describe.
    const diff = (await db.orm.getSchemaGenerator().getUpdateSchemaSQL({ wrap: false })).trim();
    await db.close();
    if (diff) {
      console.error(`The migrations are out of date (run \`npm run migration:create\`). Missing:\n${diff}`);
      process.exit(1);
    }
    console.log('The migrations match the entities.');
    return;
  }
  try {
    const result = await (await migratorOf(db.orm)).createMigration(undefined, false, false);
    if (!result.fileName) {
      console.log('No changes: the migrations already match the entities.');
      return;
    }
    console.log(`Wrote migrations/${result.fileName}`);
  } finally {
    await db.close();
  }
  writeIndex();
}

function writeIndex() {
  const dir = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../..' : '..', 'migrations');
  const files = fs
    .readdirSync(dir)
    .filter((f) => /^Migration\d+.*\.ts$/.test(f))
    .sort();
  const names = files.map((f) => f.replace(/\.ts$/, ''));
  const body = [
    '// The committed migrations, in order. `npm run migration:create` writes a new file and adds it here.',
    '// Their names are enough to tell whether anything is pending; the classes (and @mikro-orm/migrations, ~0.25 s',
    '// of module loading) are loaded only when a migration has to run (src/db/database.ts).',
    "import type { MigrationObject } from '@mikro-orm/core';",
    '',
    'export const MIGRATION_NAMES: readonly string[] = [',
    ...names.map((n) => `  '${n}',`),
    '];',
    '',
    '/**',
    ' * Each file exports a class of its own name. The names are only known at run time, so Vite (vitest) cannot bundle',
    ' * them and says so: @vite-ignore tells it that is intended; Node (dist) and vitest both resolve the path at run time.',
    ' */',
    'export function loadMigrations(): Promise<MigrationObject[]> {',
    '  return Promise.all(MIGRATION_NAMES.map(async (name) => ({ name, class: (await import(/* @vite-ignore */ `./${name}.js`))[name] })));',
    '}',
    '',
  ].join('\n');
  fs.writeFileSync(path.join(dir, 'index.ts'), body);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
