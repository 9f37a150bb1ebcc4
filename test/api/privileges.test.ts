/**
 * Every combination of scopes against every operation matches the scope table of docs/reference/scopes.md (generated from the
 * schema): fast-check draws scope sets, each becomes a real key, and every root field is called over HTTP.
 * Allowed ⇔ not 403. Inputs are invalid or ids unknown, so allowed calls are refused later (400/404) and the
 * fixtures survive; the scope check runs before any of that.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseScopeTable, type TableNeeds } from '../../src/authorization/scope-table';
import { buildAppSchema } from '../../src/graphql/schema';
import { SCOPES, type Permission, type Scope } from '../../src/authorization/scopes';
import { startTestApp, type TestApp } from '../helpers/app';
import { allows, missingFor, rootFieldOf, ROOT_OPERATIONS, SUBSCRIPTIONS } from '../helpers/operations';
import type { Organization } from '../../src/modules/organization/organization.entity';

let t: TestApp;
let org: Organization;
let table: Map<string, TableNeeds>;

beforeAll(async () => {
  t = await startTestApp();
  org = await t.org('Acme Inc');
  table = parseScopeTable(fs.readFileSync(path.resolve(__dirname, '../../docs/reference/scopes.md'), 'utf8'));
});
afterAll(() => t?.close());

describe('the scope table of docs/reference/scopes.md', () => {
  it('lists every root field of the schema, and this test calls each of them', async () => {
    const { schema } = await buildAppSchema();
    const fields = [
      ...Object.keys(schema.getQueryType()!.getFields()).map((f) => `query ${f}`),
      ...Object.keys(schema.getMutationType()!.getFields()).map((f) => `mutation ${f}`),
      ...Object.keys(schema.getSubscriptionType()!.getFields()).map((f) => `subscription ${f}`),
    ].sort();
    expect([...table.keys()].sort()).toEqual(fields);
    // Subscriptions are swept over a WebSocket (test/api/subscriptions.test.ts), against the same table.
    expect([...ROOT_OPERATIONS, ...SUBSCRIPTIONS].map((o) => rootFieldOf(o.document)).sort()).toEqual(fields);
  });

  it('says what the registry of operations demands (the spec)', () => {
    for (const op of [...ROOT_OPERATIONS, ...SUBSCRIPTIONS].filter((o) => !o.bySelection)) {
      const field = rootFieldOf(op.document);
      expect([field, [...table.get(field)!.all].sort(), [...table.get(field)!.anyOf].sort()]).toEqual([field, [...op.scopes].sort(), [...(op.anyScopes ?? [])].sort()]);
    }
    // Decided on what they select: no scope of their own in the table.
    for (const op of [...ROOT_OPERATIONS, ...SUBSCRIPTIONS].filter((o) => o.bySelection)) expect([rootFieldOf(op.document), table.get(rootFieldOf(op.document))]).toEqual([rootFieldOf(op.document), { all: [], anyOf: [] }]);
  });

  it('matches the API for every drawn combination of scopes, over every operation', async () => {
    const scopeSet = fc.subarray([...SCOPES], { minLength: 1 });
    const checked = { allowed: 0, denied: 0 };
    await fc.assert(
      fc.asyncProperty(scopeSet, async (held) => {
        const { client } = await t.key(org, held as Permission[]);
        for (const op of ROOT_OPERATIONS) {
          const name = rootFieldOf(op.document);
          const { all, anyOf } = table.get(name)!;
          const needs = { scopes: all as Scope[], anyScopes: anyOf as Scope[] };
          const allowed = allows(held, needs);
          const res = await client.gql(op.document, op.absent);
          expect(res.status, `${name} with [${held.join(', ')}]`).not.toBe(401);
          if (allowed) {
            checked.allowed++;
            expect([name, held, res.status]).not.toEqual([name, held, 403]);
          } else {
            checked.denied++;
            expect([name, held, res.status, res.errors?.[0]?.extensions?.code]).toEqual([name, held, 403, 'FORBIDDEN']);
            const missing = res.errors![0].extensions!.missingScopes as string[];
            expect([name, ...missing.sort()]).toEqual([name, ...missingFor(held, needs)]);
          }
        }
      }),
      // Besides the random draws: every scope alone, and all of them.
      { numRuns: 40, examples: [[[...SCOPES]], ...SCOPES.map((s) => [[s]])] as never },
    );
    expect(checked.allowed).toBeGreaterThan(100);
    expect(checked.denied).toBeGreaterThan(100);
    // Two minutes: 40 draws and every scope alone over ~150 operations; a loaded CI machine took more than one.
  }, 120_000);

  it('`all` passes every row', async () => {
    const { client } = await t.key(org, ['all']);
    for (const op of ROOT_OPERATIONS) expect([op.name, (await client.gql(op.document, op.absent)).status]).not.toEqual([op.name, 403]);
  });
});
