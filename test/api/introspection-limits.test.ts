/**
 * Introspection counts toward every document limit (it used to skip them all: 1,500 aliased `__schema` answered
 * 38.8 MB), while the introspection query Apollo Sandbox and graphql-codegen send passes under the defaults.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDatabaseAgnostic } from '../helpers/database';
import { buildClientSchema, getIntrospectionQuery, type IntrospectionQuery } from 'graphql';
import { loadConfig } from '../../src/config';
import { startTestApp, type TestApp } from '../helpers/app';

let t: TestApp;
let admin: Awaited<ReturnType<TestApp['key']>>;

beforeAll(async () => {
  t = await startTestApp(); // the default limits
  admin = await t.key(await t.org('Acme Inc'), ['monitors:read']);
});
afterAll(() => t?.close());

const refusal = async (query: string) => {
  const res = await admin.client.gql(query);
  return { status: res.status, code: res.errors?.[0]?.extensions?.code, extensions: res.errors?.[0]?.extensions, data: res.data, size: JSON.stringify(res.body).length };
};

describeDatabaseAgnostic('introspection under the document limits', () => {
  it('passes the standard introspection query (Sandbox, codegen) under the default limits', async () => {
    const everything = { descriptions: true, inputValueDeprecation: true, schemaDescription: true, directiveIsRepeatable: true, specifiedByUrl: true, oneOf: true };
    for (const query of [getIntrospectionQuery(), getIntrospectionQuery(everything)]) {
      const res = await admin.client.gql<IntrospectionQuery>(query);
      expect(res.errors).toBeUndefined();
      expect(res.status).toBe(200);
      const schema = buildClientSchema(res.data!);
      expect(Object.keys(schema.getQueryType()!.getFields())).toContain('monitors');
    }
  });

  it('refuses 1,500 aliased __schema before anything runs', async () => {
    const q = `{ ${Array.from({ length: 1500 }, (_, i) => `s${i}: __schema { types { name fields { name } } }`).join(' ')} }`;
    const res = await refusal(q);
    expect(res).toMatchObject({ status: 400, code: 'TOO_MANY_ALIASES', extensions: { limit: 30, actual: 1500 } });
    expect(res.data).toBeUndefined();
    expect(res.size).toBeLessThan(1000);
  });

  it('allows one __schema a document, however it is spelled', async () => {
    for (const q of [
      '{ __schema { queryType { name } } s: __schema { queryType { name } } }',
      '{ __schema { queryType { name } } __schema { mutationType { name } } }',
      '{ ...S ...T } fragment S on Query { __schema { queryType { name } } } fragment T on Query { t: __schema { queryType { name } } }',
    ])
      expect(await refusal(q)).toMatchObject({ status: 400, code: 'QUERY_TOO_COMPLEX', extensions: { limit: 1, actual: 2 }, data: undefined });
    expect((await admin.client.gql('{ ...S } fragment S on Query { __schema { queryType { name } } }')).status).toBe(200);
  });

  it('counts introspection lists with the schema’s own sizes', async () => {
    // graphql-js refuses lists of types nested three deep itself; two deep with their arguments is still a lot
    const res = await refusal(
      '{ __schema { types { fields { type { fields { name description isDeprecated deprecationReason args { name description defaultValue type { name kind ofType { name kind } } } type { name kind ofType { name kind } } } } } } } }',
    );
    const limit = loadConfig({}).GRAPHQL_MAX_COST;
    expect(res).toMatchObject({ status: 400, code: 'QUERY_TOO_COMPLEX', extensions: { limit } });
    expect(res.extensions!.actual as number).toBeGreaterThan(limit);
    // one type in full is cheap, and so are a type reference's wrappers however deep
    expect((await admin.client.gql('{ __type(name: "Monitor") { fields { name args { name } type { name ofType { name } } } } }')).status).toBe(200);
    const wrappers = `{ __type(name: "Query") { fields { type { ${'ofType { '.repeat(20)}name${' }'.repeat(20)} } } } }`;
    expect((await admin.client.gql(wrappers)).status).toBe(200);
  });

  it('keeps __typename cheap but counts its aliases and its root fields', async () => {
    expect(await refusal(`{ ${Array.from({ length: 31 }, (_, i) => `t${i}: __typename`).join(' ')} }`)).toMatchObject({
      status: 400,
      code: 'TOO_MANY_ALIASES',
    });
    expect((await admin.client.gql(`{ ${Array.from({ length: 15 }, (_, i) => `t${i}: __typename`).join(' ')} }`)).status).toBe(200);
    expect((await admin.client.gql('{ monitors(first: 100) { __typename nodes { __typename id } } }')).status).toBe(200);
  });
});
