/**
 * The scope requirements reach GraphQL users through introspection (Sandbox, codegen), which carries descriptions
 * but no applied directives: every scoped field and type must end its description with the requirement, and the
 * requirement must be the one the directives produce (what the enforcement point checks).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildClientSchema, getIntrospectionQuery, isObjectType, type IntrospectionQuery } from 'graphql';
import { getDirective } from '@graphql-tools/utils';
import { buildAppSchema } from '../../src/graphql/schema';
import { AUTHENTICATED_SENTENCE, OBJECTS_SENTENCE, anyScopeSentence, scopeSentence, selectionSentence } from '../../src/authorization/scope-descriptions';
import { SELECTION_SCOPES } from '../../src/authorization/selection-scopes';
import { startTestApp, type TestApp } from '../helpers/app';

let t: TestApp;
let introspected: ReturnType<typeof buildClientSchema>;
beforeAll(async () => {
  t = await startTestApp();
  const { client } = await t.key(await t.org(), ['monitors:read']); // introspection needs a key, no scope
  const res = await client.gql<IntrospectionQuery>(getIntrospectionQuery());
  expect(res.status).toBe(200);
  introspected = buildClientSchema(res.data!);
});
afterAll(() => t?.close());

describe('introspection shows every scope requirement', () => {
  it('every field ends its description with what the directives require, and nothing else does', async () => {
    const { schema, index } = await buildAppSchema();
    let scoped = 0;
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('__')) continue;
      const seen = introspected.getType(type.name);
      expect(seen && isObjectType(seen), type.name).toBe(true);
      if (!seen || !isObjectType(seen)) continue;
      for (const field of Object.values(type.getFields())) {
        const description = seen.getFields()[field.name].description ?? '';
        const needed = index.scopesFor(type.name, field.name);
        const any = index.anyScopesFor(type.name, field.name);
        if (any.length) {
          // Any one of several scopes (`@requiresAnyScope`: `checks`): the sentence names them all.
          scoped++;
          expect(getDirective(schema, field, 'requiresAnyScope')?.length, `${type.name}.${field.name}`).toBe(1);
          expect(description.endsWith(anyScopeSentence(any, needed)), `${type.name}.${field.name}: ${description}`).toBe(true);
        } else if (needed.length && !index.rootTypes.has(type.name) && index.guardScopesFor(type.name, field.name).length < needed.length) {
          // A field answering objects of several types (CheckConnection.nodes) checks each against its own type.
          scoped++;
          const own = index.guardScopesFor(type.name, field.name);
          expect(description.endsWith(`${own.length ? `${scopeSentence(own)} ` : ''}${OBJECTS_SENTENCE}`), `${type.name}.${field.name}: ${description}`).toBe(true);
        } else if (needed.length) {
          scoped++;
          expect(description.endsWith(scopeSentence(needed)), `${type.name}.${field.name}: ${description}`).toBe(true);
          for (const s of needed) expect(description).toContain(`\`${s}\``);
        } else if (index.rootTypes.has(type.name)) {
          expect(getDirective(schema, field, 'authenticated')?.length, `${type.name}.${field.name}`).toBe(1);
          const selection = SELECTION_SCOPES[`${type.name}.${field.name}`];
          const sentence = selection ? selectionSentence(selection) : AUTHENTICATED_SENTENCE;
          expect(description.endsWith(sentence), `${type.name}.${field.name}`).toBe(true);
        } else {
          expect(description, `${type.name}.${field.name}`).not.toMatch(/Requires /);
        }
      }
      const own = (getDirective(schema, type, 'requiresScope') ?? []).map((d) => d.scope as string);
      if (own.length) expect(seen.description?.endsWith(scopeSentence(index.typeScopesOf(type.name))), type.name).toBe(true);
      else expect(seen.description ?? '', type.name).not.toMatch(/Requires `/);
    }
    expect(scoped).toBeGreaterThan(50);
  });

  it('reads as a user expects, on a few known fields', () => {
    const query = introspected.getQueryType()!.getFields();
    const mutation = introspected.getMutationType()!.getFields();
    expect(query.monitors.description).toBe('Newest first.\n\nRequires `monitors:read`.');
    // createMonitor answers a Monitor, which needs monitors:read: both are required, and both are said.
    expect(mutation.createMonitor.description).toBe('Requires `monitors:read` and `monitors:write`.');
    expect(query.me.description).toMatch(/Requires a valid API key; no scope of its own\.$/);
    expect(mutation.triggerChecks.description).toMatch(
      /Requires `monitors:run` for the monitors, tcpMonitors, dnsMonitors and heartbeats it selects and `journeys:run` for the journeys it selects \(checked on what it selects; FORBIDDEN names what is missing\)\.$/,
    );
    expect(introspected.getType('Monitor')!.description).toBe('An HTTP check of one URL, run every intervalSeconds.\n\nRequires `monitors:read`.');
  });

  it('the sentence lists several scopes with commas and "and"', () => {
    expect(scopeSentence(['monitors:read'])).toBe('Requires `monitors:read`.');
    expect(scopeSentence(['monitors:read', 'journeys:read'])).toBe('Requires `monitors:read` and `journeys:read`.');
    expect(scopeSentence(['a', 'b', 'c'])).toBe('Requires `a`, `b` and `c`.');
  });
});
