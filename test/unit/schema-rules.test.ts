import { describe, expect, it } from 'vitest';
import { ApolloServer } from '@apollo/server';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { graphql, parse, type ExecutionResult, type GraphQLObjectType } from 'graphql';
import { compileQuery } from 'graphql-jit';
import { AUTH_DIRECTIVES_SDL } from '../../src/authorization/directives';
import { ScopeIndex, SchemaAuthError } from '../../src/authorization/scope-index';
import { guardResolvers, scopeCheckPlugin } from '../../src/authorization/scope-guard';
import { buildAppSchema } from '../../src/graphql/schema';
import { SELECTION_SCOPES } from '../../src/authorization/selection-scopes';
import type { Principal } from '../../src/modules/auth/principal';
import { missingScopes, type Permission } from '../../src/authorization/scopes';

// assumeValidSDL: graphql-js would refuse some of these SDL documents itself, but type-graphql's @Directive writes
// straight into the AST with no such check, so ScopeIndex must catch them on its own.
const sdl = (body: string) => makeExecutableSchema({ typeDefs: AUTH_DIRECTIVES_SDL + body, assumeValidSDL: true });

/** A key's principal holding `permissions`, as the context builder makes one. */
const principal = (permissions: Permission[]): Principal => ({
  keyId: 'key_test', organizationId: 'org_test', name: 't', permissions, held: new Set(permissions), expiresAt: null, actor: { type: 'API_KEY', id: 'key_test', name: 't' },
});

/**
 * A schema's resolvers guarded and Apollo's scope check in front, as the app has them; `ask` runs a query as a key
 * holding `permissions` and answers the status and the single result.
 */
function guardedServer(raw: ReturnType<typeof sdl>) {
  const index = new ScopeIndex(raw);
  const schema = guardResolvers(raw, index);
  const apollo = new ApolloServer<{ principal?: Principal }>({ schema, plugins: [scopeCheckPlugin(index, { depth: 100, aliases: 100, rootFields: 100, cost: 1e6 })] });
  const ask = async (query: string, permissions: Permission[]) => {
    const res = await apollo.executeOperation({ query }, { contextValue: { principal: principal(permissions) } });
    return { status: res.http.status, result: res.body.kind === 'single' ? res.body.singleResult : undefined };
  };
  return { schema, ask };
}

describe('the schema build enforces the authorization rules', () => {
  it('rejects an unknown scope string', () => {
    expect(() => new ScopeIndex(sdl(`type Query { a: Int @requiresScope(scope: "monitors:launch") }`))).toThrow(
      /Query\.a: unknown scope "monitors:launch"/,
    );
    expect(() => new ScopeIndex(sdl(`type Query { a: T @authenticated } type T @requiresScope(scope: "Monitors:Read") { x: Int }`))).toThrow(
      SchemaAuthError,
    );
  });

  it('rejects auth directives on interfaces and their fields', () => {
    const onType = `type Query { n: Node @authenticated } interface Node { id: ID } type M implements Node { id: ID }`;
    expect(() => new ScopeIndex(sdl(onType.replace('interface Node', 'interface Node @requiresScope(scope: "monitors:read")')))).toThrow(
      /interface Node: authorization directives are not allowed on interfaces/,
    );
    expect(() => new ScopeIndex(sdl(onType.replace('interface Node { id: ID }', 'interface Node { id: ID @requiresScope(scope: "monitors:read") }')))).toThrow(
      /interface field Node\.id/,
    );
    expect(() => new ScopeIndex(sdl(onType))).not.toThrow();
  });

  it('rejects root fields that carry neither directive (default deny)', () => {
    expect(() => new ScopeIndex(sdl(`type Query { a: Int @authenticated b: Int }`))).toThrow(/Query\.b: root fields need/);
    expect(() => new ScopeIndex(sdl(`type Query { a: Int @authenticated } type Mutation { m: Int }`))).toThrow(/Mutation\.m/);
    expect(() => new ScopeIndex(sdl(`type Query { a: Int @requiresAnyScope(scopes: ["monitors:read", "journeys:read"]) }`))).not.toThrow();
  });

  it('reads @requiresAnyScope: known scopes only, never on an interface', () => {
    expect(() => new ScopeIndex(sdl(`type Query { a: Int @requiresAnyScope(scopes: ["monitors:read", "monitors:peek"]) }`))).toThrow(/Query\.a: unknown scope "monitors:peek"/);
    expect(() => new ScopeIndex(sdl(`type Query { n: Node @authenticated } interface Node { id: ID @requiresAnyScope(scopes: ["monitors:read"]) } type M implements Node { id: ID }`))).toThrow(
      /interface field Node\.id/,
    );
    const index = new ScopeIndex(sdl(`type Query { a: Int @requiresAnyScope(scopes: ["journeys:read", "monitors:read"]) @requiresScope(scope: "alerts:read") }`));
    expect(index.anyScopesFor('Query', 'a')).toEqual(['monitors:read', 'journeys:read']);
    expect(index.scopesFor('Query', 'a')).toEqual(['alerts:read']);
  });

  it('composes field, parent type and returned type by AND; a field cannot lower its type', () => {
    const index = new ScopeIndex(
      sdl(`
        type Query { monitor: Monitor @requiresScope(scope: "monitors:read") search: Result @authenticated }
        type Monitor @requiresScope(scope: "monitors:read") {
          name: String
          secretHeaders: String @requiresScope(scope: "monitors:write")
          journey: Journey
        }
        type Journey @requiresScope(scope: "journeys:read") { name: String }
        union Result = Monitor | Journey
      `),
    );
    expect(index.scopesFor('Query', 'monitor')).toEqual(['monitors:read']);
    expect(index.scopesFor('Monitor', 'name')).toEqual(['monitors:read']);
    expect(index.scopesFor('Monitor', 'secretHeaders')).toEqual(['monitors:read', 'monitors:write']);
    expect(index.scopesFor('Monitor', 'journey')).toEqual(['monitors:read', 'journeys:read']);
    expect(index.scopesFor('Query', 'search')).toEqual(['monitors:read', 'journeys:read']); // every possible type
  });

  it('the real schema builds and every root field is covered', async () => {
    const { schema, index } = await buildAppSchema();
    for (const root of [schema.getQueryType()!, schema.getMutationType()!, schema.getSubscriptionType()!])
      for (const name of Object.keys(root.getFields()))
        // me, locations and one's own sessions: any valid key or session; the selection-scoped fields are checked by their service.
        expect(index.scopesFor(root.name, name).length > 0 || index.anyScopesFor(root.name, name).length > 0 || ['me', 'locations', 'sessions', 'revokeSession'].includes(name) || `${root.name}.${name}` in SELECTION_SCOPES, `${root.name}.${name}`).toBe(true);
  });
});

describe('one enforcement point refuses the whole operation before any resolver runs', () => {
  const calls: string[] = [];
  const raw = makeExecutableSchema({
    typeDefs:
      AUTH_DIRECTIVES_SDL +
      `
      type Query {
        monitor: Monitor @requiresScope(scope: "monitors:read")
        node: Node @authenticated
      }
      type Mutation {
        createMonitor: Int @requiresScope(scope: "monitors:write")
        runJourney: Int @requiresScope(scope: "journeys:run")
      }
      interface Node { id: ID }
      type Monitor implements Node @requiresScope(scope: "monitors:read") { id: ID name: String }
      type Journey implements Node @requiresScope(scope: "journeys:read") { id: ID name: String }
    `,
    resolvers: {
      Query: { monitor: () => (calls.push('monitor'), { id: 'm', name: 'M' }), node: () => (calls.push('node'), { __typename: 'Journey', id: 'j' }) },
      Mutation: { createMonitor: () => (calls.push('createMonitor'), 1), runJourney: () => (calls.push('runJourney'), 1) },
      Node: { __resolveType: (o: { __typename: string }) => o.__typename },
    },
  });
  const { schema, ask } = guardedServer(raw);
  const run = (query: string, permissions: Permission[]) => {
    calls.length = 0;
    return ask(query, permissions);
  };

  it('two mutations, one denied: neither runs', async () => {
    const { status, result } = await run('mutation { createMonitor runJourney }', ['monitors:write']);
    expect(status).toBe(403);
    expect(calls).toEqual([]);
    expect(result?.data).toBeUndefined();
    expect(result?.errors?.[0]).toMatchObject({
      message: 'Insufficient permissions for this action',
      extensions: { code: 'FORBIDDEN', missingScopes: ['journeys:run'], paths: ['runJourney'] },
    });
    expect((await run('mutation { createMonitor runJourney }', ['monitors:write', 'journeys:run'])).status).toBeUndefined();
    expect(calls).toEqual(['createMonitor', 'runJourney']);
  });

  it('sees through named fragments, inline fragments and aliases (paths use the alias)', async () => {
    const doc = `
      query { ...Q ... on Query { other: monitor { id } } }
      fragment Q on Query { mine: monitor { label: name } }`;
    const denied = await run(doc, ['journeys:read']);
    expect(denied.status).toBe(403);
    expect(denied.result?.errors?.[0].extensions).toMatchObject({ missingScopes: ['monitors:read'], paths: ['mine', 'mine.label', 'other', 'other.id'] });
    expect(calls).toEqual([]);
    expect((await run(doc, ['monitors:read'])).result?.data).toEqual({ mine: { label: 'M' }, other: { id: 'm' } });
  });

  it('requires the scopes of every possible type of an abstract field', async () => {
    const doc = `{ node { id ... on Monitor { name } } }`;
    const denied = await run(doc, ['monitors:read']);
    expect(denied.result?.errors?.[0].extensions).toMatchObject({ missingScopes: ['journeys:read'], paths: ['node', 'node.id'] });
    expect(calls).toEqual([]);
    expect((await run(doc, ['monitors:read', 'journeys:read'])).result?.data).toEqual({ node: { id: 'j' } });
  });

  it('`all` satisfies every scope; __typename needs none', async () => {
    expect((await run('mutation { createMonitor runJourney }', ['all'])).result?.data).toEqual({ createMonitor: 1, runJourney: 1 });
    expect((await run('{ __typename }', [])).result?.data).toEqual({ __typename: 'Query' });
  });

  it('the resolvers refuse too when execution skips the HTTP layer', async () => {
    const res = await graphql({ schema, source: '{ monitor { id } }', contextValue: { principal: principal(['journeys:read']) } });
    expect(res.errors?.[0].message).toBe('Insufficient permissions for this action');
    const anonymous = await graphql({ schema, source: '{ node { id } }', contextValue: {} });
    expect(anonymous.errors?.[0].message).toBe('Invalid or missing API key');
  });
});

describe('@requiresAnyScope: one of its scopes, and only the objects of the types the key may read', () => {
  const raw = makeExecutableSchema({
    typeDefs:
      AUTH_DIRECTIVES_SDL +
      `
      type Query { checks(leak: Boolean): CheckConnection @requiresAnyScope(scopes: ["monitors:read", "journeys:read"]) }
      type CheckConnection { nodes: [Node!]! total: Int }
      interface Node { id: ID }
      type Monitor implements Node @requiresScope(scope: "monitors:read") { id: ID name: String alerts: [Alert] }
      type Journey implements Node @requiresScope(scope: "journeys:read") { id: ID name: String }
      type Alert @requiresScope(scope: "alerts:read") { id: ID }
    `,
    resolvers: {
      // What a list service does: the types the principal may read (\`leak\`: one that does not filter).
      Query: {
        checks: (_: unknown, args: { leak?: boolean }, ctx: { principal: Principal }) => ({
          total: 2,
          nodes: [
            { __typename: 'Monitor', id: 'm', name: 'M', alerts: [] },
            { __typename: 'Journey', id: 'j', name: 'J' },
          ].filter((n) => args.leak || ctx.principal.held.has('all') || ctx.principal.held.has(n.__typename === 'Monitor' ? 'monitors:read' : 'journeys:read')),
        }),
      },
      Node: { __resolveType: (o: { __typename: string }) => o.__typename },
    },
  });
  const { schema, ask: run } = guardedServer(raw);
  const every = '{ checks { total nodes { id ... on Monitor { name } ... on Journey { name } } } }';

  it("one of the scopes will do, and a selection on a kind's type asks nothing more of it", async () => {
    expect((await run(every, ['monitors:read'])).result).toEqual({ data: { checks: { total: 2, nodes: [{ id: 'm', name: 'M' }] } } });
    expect((await run(every, ['journeys:read'])).result).toEqual({ data: { checks: { total: 2, nodes: [{ id: 'j', name: 'J' }] } } });
    expect((await run(every, ['all'])).result?.data).toEqual({ checks: { total: 2, nodes: [{ id: 'm', name: 'M' }, { id: 'j', name: 'J' }] } });
  });

  it('none of them is 403 naming them all; what a type needs beyond its own scope is still required', async () => {
    const none = await run(every, ['alerts:read']);
    expect(none.status).toBe(403);
    expect(none.result?.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', missingScopes: ['monitors:read', 'journeys:read'], paths: ['checks'] });
    const alerts = await run('{ checks { nodes { ... on Monitor { alerts { id } } } } }', ['monitors:read']);
    expect(alerts.result?.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', missingScopes: ['alerts:read'], paths: ['checks.nodes.alerts', 'checks.nodes.alerts.id'] });
  });

  it('a list holding an object of a type the key may not read is refused, by graphql-js and graphql-jit alike', async () => {
    const source = '{ checks(leak: true) { nodes { id } } }';
    const jit = compileQuery(schema, parse(source)) as { query: (root: unknown, ctx: unknown, vars: unknown) => ExecutionResult };
    for (const execute of [(ctx: object) => graphql({ schema, source, contextValue: ctx }), async (ctx: object) => jit.query(undefined, ctx, {})]) {
      const res = await execute({ principal: principal(['monitors:read']) });
      expect(res.data).toEqual({ checks: null });
      expect(res.errors?.map((e) => [e.message, e.path])).toEqual([['Insufficient permissions for this action', ['checks', 'nodes']]]);
      expect((await execute({ principal: principal(['alerts:read']) })).errors?.[0].path).toEqual(['checks']);
    }
  });
});

describe('the resolver guard checks what an object was not already checked for', () => {
  const raw = makeExecutableSchema({
    typeDefs:
      AUTH_DIRECTIVES_SDL +
      `
      type Query { monitor: Monitor @requiresScope(scope: "monitors:read") }
      type Monitor @requiresScope(scope: "monitors:read") { id: ID name: String alerts: [Alert] }
      type Alert @requiresScope(scope: "alerts:read") { id: ID }
    `,
    resolvers: { Query: { monitor: () => ({ id: 'm', name: 'M', alerts: [{ id: 'a' }] }) } },
  });
  const schema = guardResolvers(raw, new ScopeIndex(raw));
  const source = '{ monitor { name alerts { id } } }';

  it("fields that need only their type's scopes are plain reads; a field that needs more is wrapped", () => {
    const monitor = schema.getType('Monitor') as GraphQLObjectType;
    expect(monitor.getFields().name.resolve).toBeUndefined();
    expect(monitor.getFields().alerts.resolve).toBeTypeOf('function');
    expect((schema.getQueryType()!.getFields().monitor).resolve).toBeTypeOf('function');
  });

  it('without the HTTP layer, graphql-js and graphql-jit still refuse the entry field and the field needing more', async () => {
    const jit = compileQuery(schema, parse(source)) as { query: (root: unknown, ctx: unknown, vars: unknown) => ExecutionResult };
    for (const execute of [(ctx: object) => graphql({ schema, source, contextValue: ctx }), async (ctx: object) => jit.query(undefined, ctx, {})]) {
      const none = await execute({ principal: principal(['alerts:read']) });
      expect(none.data).toEqual({ monitor: null });
      expect(none.errors?.map((e) => [e.message, e.path])).toEqual([['Insufficient permissions for this action', ['monitor']]]);
      const partial = await execute({ principal: principal(['monitors:read']) });
      expect(partial.data).toEqual({ monitor: { name: 'M', alerts: null } });
      expect(partial.errors?.map((e) => [e.message, e.path])).toEqual([['Insufficient permissions for this action', ['monitor', 'alerts']]]);
      expect((await execute({ principal: principal(['monitors:read', 'alerts:read']) })).data).toEqual({ monitor: { name: 'M', alerts: [{ id: 'a' }] } });
    }
  });

  it("in the real schema, a view's plain fields have no resolver; field resolvers and guarded fields keep theirs", async () => {
    const { schema: real } = await buildAppSchema();
    const monitor = real.getType('Monitor') as GraphQLObjectType;
    expect(monitor.getFields().name.resolve).toBeUndefined();
    expect((real.getType('MonitorRun') as GraphQLObjectType).getFields().status.resolve).toBeUndefined(); // from the Run interface
    expect(monitor.getFields().recentRuns.resolve).toBeTypeOf('function');
    expect((real.getType('MonitorConnection') as GraphQLObjectType).getFields().nodes.resolve).toBeTypeOf('function');
    expect((real.getType('Organization') as GraphQLObjectType).getFields().overview.resolve).toBeTypeOf('function');
  });
});

describe('missingScopes: the one answer to what a key lacks', () => {
  it('lists what is missing once each, in the constant order, whatever order it was asked in', () => {
    const held = new Set(['monitors:read', 'journeys:read']);
    expect(missingScopes(held, ['billing:read', 'monitors:read', 'alerts:read', 'billing:read'])).toEqual(['alerts:read', 'billing:read']);
    expect(missingScopes(held, ['journeys:read', 'monitors:read'])).toEqual([]);
    expect(missingScopes(held, [])).toEqual([]);
  });

  it('`all` lacks nothing; `all` asked for is not a scope to be missing (granting it is decided elsewhere)', () => {
    expect(missingScopes(new Set(['all']), ['organization:write', 'billing:read'])).toEqual([]);
    expect(missingScopes(new Set(['monitors:read']), ['all', 'monitors:write'])).toEqual(['monitors:write']);
  });
});
