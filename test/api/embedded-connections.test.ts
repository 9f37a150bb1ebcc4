/**
 * The embedded database's connections are in-memory streams to PGlite's protocol handler, which runs in a thread of
 * its own (src/db/embedded.ts): the `pg` driver must work over them as over a socket, a statement must not hold up
 * this thread's event loop while it runs, a transaction left open by a connection that goes away must be rolled
 * back, and closing the database must end the connections still open instead of hanging them.
 */
import { expect, it } from 'vitest';
import { describeDatabaseAgnostic } from '../helpers/database';
import { Client } from 'pg';
import { startEmbedded } from '../../src/db/embedded';

const clientOf = async (embedded: Awaited<ReturnType<typeof startEmbedded>>) => {
  const client = new Client({ connectionString: embedded.url, stream: () => embedded.connect() } as never);
  await client.connect();
  return client;
};

describeDatabaseAgnostic('embedded database connections', () => {
  it('carry simple and extended-protocol statements, errors included, stay usable after an error, and leave the event loop free while a statement runs', async () => {
    const embedded = await startEmbedded();
    try {
      const c = await clientOf(embedded);
      expect((await c.query('select 1 as x')).rows).toEqual([{ x: 1 }]);
      expect((await c.query({ name: 'p1', text: 'select $1::int + 1 as y', values: [41] })).rows).toEqual([{ y: 42 }]);
      expect((await c.query({ name: 'p1', text: 'select $1::int + 1 as y', values: [1] })).rows).toEqual([{ y: 2 }]);
      await expect(c.query('select * from no_such_table')).rejects.toMatchObject({ code: '42P01' });
      expect((await c.query('select 2 as x')).rows).toEqual([{ x: 2 }]);
      // Off the event loop: with PGlite on this thread, a statement ran inside one turn of the loop (a handful of
      // turns in all, however long it took); in its own thread, this thread turns freely until the answer arrives.
      let turns = 0;
      let running = true;
      const spin = () => {
        turns++;
        if (running) setImmediate(spin);
      };
      const answer = c.query('select count(*)::int as n from generate_series(1, 3000000) g where g % 7 = 0');
      setImmediate(spin);
      expect((await answer.finally(() => (running = false))).rows).toEqual([{ n: 428571 }]);
      expect(turns).toBeGreaterThan(100);
      await c.end();
    } finally {
      await embedded.close();
    }
  });

  it('roll back the transaction of a connection that went away, and the next connection works', async () => {
    const embedded = await startEmbedded();
    try {
      const a = await clientOf(embedded);
      await a.query('create table t (v int)');
      await a.query('begin');
      await a.query('insert into t values (1)');
      // Gone without COMMIT or ROLLBACK (a crashed request's connection, destroyed by the pool).
      const errors: string[] = [];
      a.on('error', (e) => errors.push(e.message));
      const closed = new Promise((resolve) => a.once('end', resolve));
      (a as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
      await closed;
      expect(errors).toEqual(['Connection terminated unexpectedly']);
      const b = await clientOf(embedded);
      expect((await b.query('select count(*)::int as n from t')).rows).toEqual([{ n: 0 }]);
      await b.query('insert into t values (2)');
      expect((await b.query('select v from t')).rows).toEqual([{ v: 2 }]);
      await b.end();
    } finally {
      await embedded.close();
    }
  });

  it('end when the database closes under them: the driver sees the connection end, close() does not wait for it', async () => {
    const embedded = await startEmbedded();
    const c = await clientOf(embedded);
    c.on('error', () => {});
    expect((await c.query('select 1 as x')).rows).toEqual([{ x: 1 }]);
    const ended = new Promise((resolve) => c.once('end', resolve));
    await embedded.close();
    await ended;
    await expect(c.query('select 1')).rejects.toThrow();
  });
});
