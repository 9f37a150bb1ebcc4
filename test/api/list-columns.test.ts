import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertsDocument, CreateMonitorDocument, MonitorDocument, MonitorRunsDocument, MonitorsDocument, RunMonitorDocument } from '../../src/client/generated/graphql';
import { startTestApp, type TestApp } from '../helpers/app';
import type { Client } from '../helpers/client';

/**
 * List pages read only the columns their selection needs, as a named prepared statement (src/modules/common/
 * pagination.ts): the values they answer, the masking of credentials, cursors and the organization scope are those
 * of reading every column. Run with compiled execution and with graphql-js's interpreter (GRAPHQL_JIT=false).
 */
type Node = Record<string, unknown>;
type Page = { nodes: Node[]; pageInfo?: { endCursor: string | null; hasNextPage: boolean } };

for (const jit of ['true', 'false']) {
  describe(`list pages by selection (GRAPHQL_JIT=${jit})`, () => {
    let t: TestApp;
    let client: Client;
    let stranger: Client;
    const ids: string[] = [];
    let orgId: string;
    /** The oldest monitor (c0), failed twice in beforeAll: its runs and the alert they opened are the run and alert lists'. */
    let ran: string;

    const page = async (query: string, variables?: Record<string, unknown>, c = client) => {
      const res = await c.gql<{ monitors: Page }>(query, variables);
      expect(res.errors).toBeUndefined();
      return res.data!.monitors;
    };
    /** The SQL of the one page statement a request ran (after a warm-up run of the same document). */
    const pageStatement = async (query: string, variables?: Record<string, unknown>) => {
      await page(query, variables);
      t.queries.length = 0;
      const result = await page(query, variables);
      const statements = t.queries.filter((q) => /from "monitors"/.test(q));
      expect(statements).toHaveLength(1);
      return { result, sql: statements[0] };
    };

    beforeAll(async () => {
      t = await startTestApp({ GRAPHQL_JIT: jit });
      const org = await t.org('Columns Inc');
      orgId = org.id;
      await t.db.orm.em.fork().nativeUpdate('Organization', { id: org.id }, { plan: 'BUSINESS' });
      client = (await t.key(org, ['all'])).client;
      for (let i = 0; i < 7; i++) {
        const res = await client.gql(CreateMonitorDocument, {
          input: {
            name: `c${i}`,
            url: `http://127.0.0.1:9/c${i}`,
            headers: [
              { name: 'Authorization', value: `Bearer secret-${i}` },
              { name: 'Accept', value: 'application/json' },
            ],
            body: i % 2 ? `{"n":${i}}` : null,
            tags: [`t${i % 3}`],
            assertions: [{ source: 'STATUS_CODE' as never, comparison: 'EQUALS' as never, target: '200' }],
          },
        });
        expect(res.errors).toBeUndefined();
        ids.unshift(res.data!.createMonitor.id); // newest first
      }
      // Nothing listens on port 9: two failed runs, and with failureThreshold 2 (the default) one alert. Of the
      // oldest monitor, so that the first page's field resolvers see none.
      ran = ids[ids.length - 1];
      for (let i = 0; i < 2; i++) expect((await client.gql(RunMonitorDocument, { id: ran })).errors).toBeUndefined();
      const other = await t.org('Elsewhere Columns');
      stranger = (await t.key(other, ['all'])).client;
      await stranger.gql(CreateMonitorDocument, { input: { name: 'theirs', url: 'http://127.0.0.1:9/x', headers: [{ name: 'Authorization', value: 'Bearer theirs' }] } });
    });
    afterAll(async () => {
      await t?.close();
    });

    it('a few fields: only their columns are read, bound (not inlined), with the right values', async () => {
      const { result, sql } = await pageStatement('{ monitors(first: 5) { nodes { id name } } }');
      expect(result.nodes).toEqual(ids.slice(0, 5).map((id, i) => ({ id, name: `c${6 - i}` })));
      expect(sql).toMatch(/"e"\."name"/);
      expect(sql).not.toMatch(/"e"\."headers"|"e"\."url"|"e"\.\*/);
      expect(sql).toMatch(/\$1/); // the organization is a bound value
      expect(sql).not.toMatch(/org_/);
    });

    it('every field: equal to reading each monitor alone, credentials masked; REST the same', async () => {
      const { result, sql } = await pageStatement(print(MonitorsDocument), { first: 10 });
      expect(sql).toMatch(/"e"\."headers"/);
      expect(result.nodes.map((n) => n.id)).toEqual(ids);
      for (const node of result.nodes) {
        const one = (await client.gql(MonitorDocument, { id: node.id as string })).data!.monitor;
        expect(node).toEqual(one);
        expect(node.headers).toEqual([
          { name: 'Authorization', value: '[masked]', secret: true },
          { name: 'Accept', value: 'application/json', secret: false },
        ]);
      }
      const rest = await client.rest('GET', '/v1/monitors?first=10');
      expect(rest.status).toBe(200);
      const nodes = (rest.body.data as { nodes: Node[] }).nodes;
      expect(nodes.map((n) => n.id)).toEqual(ids);
      expect(Object.keys(nodes[0]).sort()).toEqual(
        ['assertions', 'body', 'created_at', 'escalation_policy_id', 'expected_status_codes', 'failure_threshold', 'headers', 'id', 'interval_seconds', 'last_run_at', 'locations', 'method',
          'min_failed_locations', 'name', 'paused', 'quota_exhausted', 'status', 'tags', 'timeout_ms', 'updated_at', 'url',
          'degraded_response_time_ms', 'retry', 'tls_expiry_warning_days', 'skip_tls_verification'].sort(),
      );
      expect(nodes[0].headers).toEqual([
        { name: 'Authorization', value: '[masked]', secret: true },
        { name: 'Accept', value: 'application/json', secret: false },
      ]);
      expect(JSON.stringify(rest.body)).not.toContain('secret-');
    });

    it('fragments, inline fragments and aliases: the union of what they select', async () => {
      const query = `
        query Q { monitors(first: 3) { a: nodes { ...F } b: nodes { ... on Monitor { headers { name value } } } } }
        fragment F on Monitor { theName: name url tags }`;
      const { result, sql } = await pageStatement(query);
      expect(sql).toMatch(/"e"\."headers"/);
      expect(sql).toMatch(/"e"\."tags"/);
      expect(sql).not.toMatch(/"e"\."body"/);
      const r = result as unknown as { a: Node[]; b: Node[] };
      expect(r.a).toEqual([6, 5, 4].map((i) => ({ theName: `c${i}`, url: `http://127.0.0.1:9/c${i}`, tags: [`t${i % 3}`] })));
      expect(r.b[0].headers).toEqual([
        { name: 'Authorization', value: '[masked]' },
        { name: 'Accept', value: 'application/json' },
      ]);
    });

    it('field resolvers (quotaExhausted, recentRuns, stats) get what they read', async () => {
      const res = await page('{ monitors(first: 2) { nodes { quotaExhausted recentRuns(limit: 1) { id } stats { runs } } } }');
      expect(res.nodes).toEqual([0, 1].map(() => ({ quotaExhausted: false, recentRuns: [], stats: { runs: 0 } })));
    });

    it('cursors handed out by one selection page on with another, and pages walk every monitor once', async () => {
      const full = print(MonitorsDocument);
      const seen: string[] = [];
      let after: string | null = null;
      for (let i = 0; ; i++) {
        const p: Page = i % 2 ? await page(full, { first: 2, after }) : await page('query P($after: String) { monitors(first: 2, after: $after) { nodes { id } pageInfo { endCursor hasNextPage } } }', { after });
        seen.push(...p.nodes.map((n) => n.id as string));
        if (!p.pageInfo!.hasNextPage) break;
        after = p.pageInfo!.endCursor;
      }
      expect(seen).toEqual(ids);
    });

    it("another organization's monitors never appear, whatever the selection", async () => {
      for (const query of ['{ monitors(first: 100) { nodes { id } } }', '{ monitors(first: 100) { nodes { name headers { value } } } }']) {
        const mine = await page(query);
        expect(mine.nodes).toHaveLength(7);
        expect(JSON.stringify(mine)).not.toContain('theirs');
        const theirs = await page(query, undefined, stranger);
        expect(theirs.nodes).toHaveLength(1);
        // None of ours: not our ids, names (c0…c6) or header secrets (a random id may well contain "c2").
        expect(theirs.nodes.filter((n) => ids.includes(n.id as string))).toEqual([]);
        expect(JSON.stringify(theirs)).not.toMatch(/"name":"c\d+"|secret-/);
      }
    });

    it('run lists by selection: a few fields, every field, and the kind of run whatever is selected', async () => {
      const full = (await client.gql(MonitorRunsDocument, { monitorId: ran })).data!.monitorRuns.nodes;
      expect(full).toHaveLength(2);
      expect(full.every((r) => r.monitorId === ran && r.status === 'FAILED' && Array.isArray(r.assertions))).toBe(true);
      t.queries.length = 0;
      const few = (await client.gql<{ monitorRuns: Page }>('query R($id: ID!) { monitorRuns(monitorId: $id) { nodes { id status } } }', { id: ran })).data!.monitorRuns.nodes;
      expect(few).toEqual(full.map((r) => ({ id: r.id, status: r.status })));
      const sql = t.queries.filter((q) => /from "runs"/.test(q));
      expect(sql).toHaveLength(1);
      expect(sql[0]).not.toMatch(/"e"\."assertions"|"e"\."steps"/);
      const union = (await client.gql<{ runs: Page }>('query R($id: ID!) { runs(monitorId: $id) { nodes { __typename ... on MonitorRun { monitorId } } } }', { id: ran })).data!.runs.nodes;
      expect(union).toEqual([0, 1].map(() => ({ __typename: 'MonitorRun', monitorId: ran })));
      const other = await stranger.gql('query R($id: ID!) { monitorRuns(monitorId: $id) { nodes { id } } }', { id: ran });
      expect(other.errors![0].extensions!.code).toBe('NOT_FOUND');
    });

    it('alert lists by selection: the source from the check and its name, the rest by property', async () => {
      // The two failed runs of beforeAll opened an alert on the oldest monitor.
      const full = (await client.gql(AlertsDocument, {})).data!.alerts.nodes;
      expect(full).toHaveLength(1);
      expect(full[0].source).toMatchObject({ kind: 'MONITOR', id: ran, name: 'c0' });
      t.queries.length = 0;
      const few = (await client.gql<{ alerts: Page }>('{ alerts { nodes { id source { kind id name subject } status } } }')).data!.alerts.nodes;
      expect(few).toEqual(full.map((a) => ({ id: a.id, source: a.source, status: a.status })));
      const sql = t.queries.filter((q) => /from "alerts"/.test(q));
      expect(sql).toHaveLength(1);
      expect(sql[0]).toMatch(/"e"\."source_name"/);
      expect(sql[0]).not.toMatch(/"e"\."cause"|"e"\."acknowledged_by_name"/);
      expect((await stranger.gql<{ alerts: Page }>('{ alerts { nodes { id } } }')).data!.alerts.nodes).toEqual([]);
    });

    it('a constant number of statements whatever `first`', async () => {
      const counts: number[] = [];
      for (const first of [1, 5, 100]) {
        await page(`{ monitors(first: ${first}) { nodes { id name } } }`);
        t.queries.length = 0;
        const res = await page(`{ monitors(first: ${first}) { nodes { id name } } }`);
        expect(res.nodes).toHaveLength(Math.min(first, 7));
        counts.push(t.requestQueries().length);
      }
      expect(counts).toEqual([1, 1, 1]);
    });

    it('the service reads a page inside a transaction on its connection (the embedded database has only one)', async () => {
      const em = t.db.orm.em.fork();
      const names = await em.transactional(async (tx) => {
        await tx.getConnection().execute('select 1', [], 'all', tx.getTransactionContext());
        const p = await t.app.services.checks.monitor.list(tx, orgId, { first: 3 });
        return p.nodes.map((m) => m.name);
      });
      expect(names).toEqual(['c6', 'c5', 'c4']);
    });

    it('pages still run after the pool reconnects (the embedded database keeps the prepared statements)', async () => {
      await page('{ monitors(first: 2) { nodes { id } } }');
      await t.db.orm.reconnect();
      expect((await page('{ monitors(first: 2) { nodes { id } } }')).nodes.map((n) => n.id)).toEqual(ids.slice(0, 2));
      expect((await page('{ monitors(first: 2) { nodes { id } } }')).nodes).toHaveLength(2);
    });

    // The embedded database is one session behind every connection, so a statement dropped through any connection
    // is gone for the page's connection too: what a pooler in transaction mode does to a client (26000).
    it.skipIf(!!process.env.TEST_DATABASE_URL)('a prepared statement that vanished on the server: the page runs unnamed instead of failing', async () => {
      const query = '{ monitors(first: 3) { nodes { id name } } }';
      await page(query);
      await t.db.orm.em.fork().getConnection().execute('deallocate all');
      expect((await page(query)).nodes.map((n) => n.id)).toEqual(ids.slice(0, 3));
      expect((await page(query)).nodes.map((n) => n.name)).toEqual(['c6', 'c5', 'c4']);
    });
  });
}
