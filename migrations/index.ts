// The committed migrations, in order. `npm run migration:create` writes a new file and adds it here.
// Their names are enough to tell whether anything is pending; the classes (and @mikro-orm/migrations, ~0.25 s
// of module loading) are loaded only when a migration has to run (src/db/database.ts).
import type { MigrationObject } from '@mikro-orm/core';

export const MIGRATION_NAMES: readonly string[] = [
  'Migration20261126193107',
  'Migration20261126195206',
  'Migration20261126225337',
  'Migration20261201102152',
  'Migration20261201102315',
  'Migration20261201103901',
  'Migration20261201104637',
  'Migration20261201123854',
  'Migration20261201124528',
  'Migration20261201130000',
  'Migration20261201130034',
  'Migration20261201155727',
  'Migration20261205121818',
  'Migration20261205122332',
  'Migration20261205130241',
  'Migration20261205182221',
  'Migration20261205192328',
  'Migration20261205211616',
  'Migration20261205211619',
  'Migration20261205211814',
  'Migration20261205220000',
  'Migration20261206002030',
  'Migration20261206002340',
  'Migration20261206002442',
  'Migration20261206002659',
  'Migration20261206002728',
  'Migration20261206002742',
  'Migration20261206002901',
  'Migration20261206004534',
  'Migration20261206012008',
  'Migration20261206012440',
  'Migration20261206014355',
  'Migration20261206014611',
  'Migration20261206015325',
  'Migration20261206032615',
  'Migration20261206033938',
  'Migration20261206041657',
  'Migration20261206050630',
];

/**
 * Each file exports a class of its own name. The names are only known at run time, so Vite (vitest) cannot bundle
 * them and says so: @vite-ignore tells it that is intended; Node (dist) and vitest both resolve the path at run time.
 */
export function loadMigrations(): Promise<MigrationObject[]> {
  return Promise.all(MIGRATION_NAMES.map(async (name) => ({ name, class: (await import(/* @vite-ignore */ `./${name}.js`))[name] })));
}
