/**
 * The check-kind registry's promises, without a database: every kind is told apart by its name, id prefix, table
 * and enum value (a shared one would send a job, a row or an alert to the wrong kind; the shared tables tell a
 * check's kind by its id's prefix alone), names only scopes
 * that exist, has an allowance in every plan (a kind without one would be refused by billing, never unlimited), and
 * gets its runs in the API from the runs module without being named there.
 */
import { describe, expect, it } from 'vitest';
import type { GraphQLObjectType } from 'graphql';
import { buildAppSchema } from '../../src/graphql/schema';
import { CHECK_KINDS, checkKind, kindOfCheckId, kindOfEnum, kindOfId } from '../../src/modules/checks/kinds/registry';
import { PLANS } from '../../src/modules/billing/plans';
import { isScope } from '../../src/authorization/scopes';
import { KIND_APIS } from '../../src/modules/checks/kinds/apis';

describe('the check-kind registry', () => {
  it('tells every kind apart by each of its names', () => {
    for (const field of ['name', 'idPrefix', 'table', 'enumValue', 'runType'] as const)
      expect(new Set(CHECK_KINDS.map((k) => k[field])).size, field).toBe(CHECK_KINDS.length);
  });

  it('finds each kind back from its name, an id and an enum value', () => {
    for (const kind of CHECK_KINDS) {
      expect(checkKind(kind.name)).toBe(kind);
      expect(kindOfId(`${kind.idPrefix}_AbC123dEf456gH78`)).toBe(kind);
      expect(kindOfEnum(kind.enumValue)).toBe(kind);
      expect(kindOfCheckId(`${kind.idPrefix}_AbC123dEf456gH78`)).toBe(kind);
      // `checks.kind` is varchar(16); an id is varchar(24), its random part 16 characters after the prefix.
      expect(kind.name.length, kind.name).toBeLessThanOrEqual(16);
      expect(kind.idPrefix.length + 1 + 16, kind.name).toBeLessThanOrEqual(24);
    }
    expect(() => checkKind('tcp')).toThrow(/unknown check kind/);
    expect(kindOfId('key_AbC123dEf456')).toBeUndefined();
    expect(() => kindOfCheckId('key_AbC123dEf456')).toThrow(/no check kind/);
  });

  it('names only scopes that exist, and has an allowance in every plan', () => {
    for (const kind of CHECK_KINDS) {
      for (const scope of Object.values(kind.scopes)) expect(isScope(scope), `${kind.name}: ${scope}`).toBe(true);
      for (const [plan, limits] of Object.entries(PLANS)) {
        const allowance = (limits as unknown as Record<string, unknown>)[kind.allowance];
        expect(allowance === null || typeof allowance === 'number', `${plan} allows ${kind.allowance}`).toBe(true);
      }
    }
  });

  it("lists every kind's service and resolver (kinds/apis.ts) in the registry's order", () => {
    expect(KIND_APIS.map((a) => a.kind)).toEqual([...CHECK_KINDS]);
    for (const api of KIND_APIS) expect(api.resolver.kind, api.kind.name).toBe(api.kind);
  });

  it("gives every kind its run type, its runs' list, its manual run and its recent runs", async () => {
    const { schema } = await buildAppSchema();
    const query = schema.getQueryType()!.getFields();
    const mutation = schema.getMutationType()!.getFields();
    for (const kind of CHECK_KINDS) {
      const runType = schema.getType(kind.runType) as GraphQLObjectType;
      expect(runType.getInterfaces().map(String), kind.name).toEqual(['Run']);
      expect(Object.keys(runType.getFields()).slice(-2), kind.name).toEqual([`${kind.name}Id`, kind.runDetail.field]);
      expect(String(query[`${kind.name}Runs`].type)).toBe(`${kind.runType}Connection!`);
      expect(query[`${kind.name}Runs`].args.map((a) => a.name)).toContain(`${kind.name}Id`);
      expect(query.runs.args.map((a) => a.name)).toContain(`${kind.name}Id`);
      expect(String(mutation[`run${kind.label}`].type)).toBe(`${kind.runType}!`);
      expect(String((schema.getType(kind.label) as GraphQLObjectType).getFields().recentRuns.type)).toBe(`[${kind.runType}!]!`);
    }
  });
});
