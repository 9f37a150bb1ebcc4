import type { FastifyInstance } from 'fastify';
import type { Database } from '../db/database';
import type { HttpDrain } from '../http-drain';

/** `/healthz`: the process answers. `/readyz`: the database answers and the process is not shutting down. No key. */
export function registerHealthRoutes(fastify: FastifyInstance, drain: HttpDrain, database: Database): void {
  fastify.get('/healthz', async () => ({ status: 'ok' }));
  fastify.get('/readyz', async (_req, reply) => {
    if (drain.isClosing) return reply.code(503).send({ status: 'shutting down', database: database.kind });
    try {
      await database.orm.em.getConnection().execute('select 1');
      return { status: 'ok', database: database.kind };
    } catch {
      return reply.code(503).send({ status: 'unavailable', database: database.kind });
    }
  });
}
