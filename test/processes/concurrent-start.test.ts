/**
 * Processes that start together on a fresh PostgreSQL database (an API instance and its workers after a deploy)
 * all come up: migrations are serialised by an advisory lock, and the job queue they create together is created
 * once. Without the lock, two of three starts failed with a duplicate table or a deadlock.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { openTestDatabase, onPostgres, type TestDatabase } from '../helpers/database';
import { spawnServer, type ServerProcess } from '../helpers/process';

describe.runIf(onPostgres())('starting together on a fresh database', () => {
  const dbs: TestDatabase[] = [];
  const servers: ServerProcess[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    for (const db of dbs) await db.close();
  });

  it('three server processes started at once on an empty database all come up', async () => {
    for (let round = 0; round < 2; round++) {
      const db = await openTestDatabase(undefined, { migrate: false });
      dbs.push(db);
      const env = { DATABASE_URL: db.url, SECRETS_KEY: randomBytes(32).toString('base64'), BOOTSTRAP_KEY: 'false' };
      const started = await Promise.allSettled([spawnServer(env), spawnServer(env), spawnServer(env)]);
      for (const s of started) if (s.status === 'fulfilled') servers.push(s.value);
      expect(started.map((s) => (s.status === 'rejected' ? String(s.reason).split('\n').slice(0, 2).join(' ') : 'up'))).toEqual(['up', 'up', 'up']);
      for (const s of servers.splice(0)) {
        expect((await fetch(`${s.baseUrl}/readyz`)).status).toBe(200);
        await s.stop();
      }
    }
  });
});
