/**
 * `npm run schema`: prints the schema built from the code to schema/schema.graphql and the scope table into
 * docs/reference/scopes.md. `--check` fails when either is out of date.
 */
import 'reflect-metadata';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildAppSchema, printAppSchema } from '../src/graphql/schema';
import { scopeRows, scopeTableMarkdown, withScopeTable } from '../src/authorization/scope-table';
import { ROUTES } from '../src/rest/routes';

const ROOT = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../..' : '..');
export const SCHEMA_FILE = path.join(ROOT, 'schema/schema.graphql');
const SCOPES_DOC = path.join(ROOT, 'docs/reference/scopes.md');

async function main() {
  const { schema, index } = await buildAppSchema();
  const printed = printAppSchema(schema);
  const readme = fs.readFileSync(SCOPES_DOC, 'utf8');
  const withTable = withScopeTable(readme, scopeTableMarkdown(scopeRows(schema, index, ROUTES)));
  if (process.argv.includes('--check')) {
    const committed = fs.existsSync(SCHEMA_FILE) ? fs.readFileSync(SCHEMA_FILE, 'utf8') : '';
    const stale = [committed !== printed && 'schema/schema.graphql', readme !== withTable && 'the scope table in docs/reference/scopes.md'].filter(Boolean);
    if (stale.length) {
      console.error(`${stale.join(' and ')} out of date: run \`npm run schema\` and commit.`);
      process.exit(1);
    }
    console.log('schema/schema.graphql and the scope table in docs/reference/scopes.md are up to date.');
    return;
  }
  fs.writeFileSync(SCHEMA_FILE, printed);
  fs.writeFileSync(SCOPES_DOC, withTable);
  console.log(`Wrote ${path.relative(process.cwd(), SCHEMA_FILE)} and the scope table in docs/reference/scopes.md`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
