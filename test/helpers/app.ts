import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import type { Permission } from '../../src/authorization/scopes';
import type { Organization } from '../../src/modules/organization/organization.entity';
import { openTestDatabase, type TestDatabase } from './database';
import { Client } from './client';

/**
 * The key test apps encrypt credential headers with: their databases are in memory (or on a shared PostgreSQL),
 * with no DATA_DIR for a key file. One per test file, so apps of one file sharing a database read each other's rows.
 */
export const TEST_SECRETS_KEY = randomBytes(32);

export interface TestApp {
  app: App;
  db: TestDatabase;
  baseUrl: string;
  /** Every SQL statement the app ran since the last `queries.length = 0`. */
  queries: string[];
  /**
   * The same without the app's timed background writers (batched lastUsedAt / failed-auth counts, shared rate-limit
   * counts, the escalation scheduler's look for due steps): what requests themselves ran, whenever a timer fires.
   */
  requestQueries(): string[];
  /** The clock the app reads: real time while `now` is null; tests set it to check expiry to the millisecond. */
  clock: { now: Date | null };
  close(): Promise<void>;
  org(name?: string): Promise<Organization>;
  /** A key made directly through the service (test setup), and a client that sends it. */
  key(org: Organization, permissions: Permission[], opts?: { expiresAt?: Date; name?: string }): Promise<{ key: string; id: string; client: Client }>;
  client(key?: string): Client;
}

/** Boots the real app (Fastify + Apollo + MikroORM) on a fresh database and a real port on 127.0.0.1. */
export async function startTestApp(env: Record<string, string> = {}, opts: { logStream?: NodeJS.WritableStream } = {}): Promise<TestApp> {
  const queries: string[] = [];
  const clock: { now: Date | null } = { now: null };
  const db = await openTestDatabase((sql) => queries.push(sql));
  const config = loadConfig({
    BCRYPT_COST: '4',
    BOOTSTRAP_KEY: 'false',
    // The tests were written for a hosted deployment's plan limits: new organizations on FREE.
    DEFAULT_PLAN: 'FREE',
    LOG_LEVEL: 'silent',
    SCHEDULING: 'false',
    ALLOW_PRIVATE_TARGETS: 'true',
    AUTH_FAILURE_LIMIT: '100000',
    RATE_LIMIT_PER_MINUTE: '10000000',
    // Suites send many tests to one channel; the throttle's own test sets it back.
    NOTIFY_TESTS_PER_CHANNEL_PER_MINUTE: '10000',
    // GRAPHQL_JIT=false runs a suite on graphql-js's interpreter (CI compares the two executors in
    // test/api/executor-equivalence.test.ts instead of running everything twice).
    ...(process.env.GRAPHQL_JIT ? { GRAPHQL_JIT: process.env.GRAPHQL_JIT } : {}),
    ...env,
  });
  const app = await createApp(config, { database: db, now: () => clock.now ?? new Date(), logStream: opts.logStream, secretsKey: TEST_SECRETS_KEY });
  await app.fastify.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.fastify.server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  const client = (key?: string) => new Client(baseUrl, key);
  let orgCount = 0;
  return {
    app,
    db,
    baseUrl,
    queries,
    // The workers' timed background reads (queue, heartbeats of workers, escalation steps and heartbeat deadlines due)
    // are not any request's.
    requestQueries: () =>
      queries.filter((q) => !/update api_keys as k|request_counts|pgboss\.|workers|locations|from escalation_steps where status = 'PLANNED'|from heartbeats where paused = false and next_deadline_at <=/i.test(q)),
    clock,
    client,
    async close() {
      await app.close();
      await db.close();
    },
    async org(name = `Org ${++orgCount}`) {
      return (await app.services.organizations.findOrCreate(db.orm.em.fork(), name)).org;
    },
    async key(org, permissions, opts = {}) {
      const { key, apiKey } = await app.services.apiKeys.createTrusted(db.orm.em.fork(), org.id, 'cli', {
        name: opts.name ?? `key ${permissions.join(' ')}`.slice(0, 100),
        permissions,
        expiresAt: opts.expiresAt,
      });
      return { key, id: apiKey.id, client: client(key) };
    },
  };
}
