import * as fs from 'node:fs';
import * as path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Client } from 'pg';

/** Where the saved, empty PGlite cluster lives: made once, reused by every test file (and by later runs). */
const PGLITE_VERSION: string = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, '../../node_modules/@electric-sql/pglite/package.json'), 'utf8'),
).version;
export const TEMPLATE_FILE = path.resolve(__dirname, `../../node_modules/.cache/tracer/pglite-${PGLITE_VERSION}-initdb.tar`);

/**
 * Before any test file: on PGlite, save an empty initdb'd cluster so each file starts its own database in about
 * a second; on PostgreSQL (TEST_DATABASE_URL), check the server answers so a missing one fails loudly, once.
 */
export default async function setup() {
  if (process.env.TEST_DATABASE_URL) {
    const client = new Client({ connectionString: process.env.TEST_DATABASE_URL });
    await client.connect();
    await client.end();
    return;
  }
  if (fs.existsSync(TEMPLATE_FILE)) return;
  const db = await PGlite.create();
  const dump = await db.dumpDataDir('none');
  await db.close();
  fs.mkdirSync(path.dirname(TEMPLATE_FILE), { recursive: true });
  const tmp = `${TEMPLATE_FILE}.${process.pid}`;
  fs.writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
  fs.renameSync(tmp, TEMPLATE_FILE);
}
