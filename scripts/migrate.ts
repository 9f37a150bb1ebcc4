/** `npm run migrate`: applies pending migrations to DATABASE_URL, or to the embedded database in DATA_DIR. */
import 'reflect-metadata';
import { loadConfig } from '../src/config';
import { migratorOf, openDatabase } from '../src/db/database';

async function main() {
  const config = loadConfig();
  const db = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR, migrate: false });
  try {
    const done = await (await migratorOf(db.orm)).up();
    console.log(done.length ? `Applied ${done.map((m) => m.name).join(', ')}` : 'The database is up to date.');
  } finally {
    await db.close();
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
