/** `npm run schema`: prints the schema built from the code to schema/schema.graphql. `--check` fails on drift. */
import 'reflect-metadata';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildAppSchema, printAppSchema } from '../src/graphql/schema';

export const SCHEMA_FILE = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../..' : '..', 'schema/schema.graphql');

async function main() {
  const printed = printAppSchema((await buildAppSchema()).schema);
  if (process.argv.includes('--check')) {
    const committed = fs.existsSync(SCHEMA_FILE) ? fs.readFileSync(SCHEMA_FILE, 'utf8') : '';
    if (committed !== printed) {
      console.error('schema/schema.graphql is out of date: run `npm run schema` and commit it.');
      process.exit(1);
    }
    console.log('schema/schema.graphql is up to date.');
    return;
  }
  fs.writeFileSync(SCHEMA_FILE, printed);
  console.log(`Wrote ${path.relative(process.cwd(), SCHEMA_FILE)}`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
