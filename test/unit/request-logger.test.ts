/**
 * Each request's logger is made when the request first writes a line (src/http/request-logger.ts): the lines it
 * writes must be exactly a child logger's (the request's reqId, redaction, the level), and a level that is off
 * writes nothing.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createFastify } from '../../src/http/fastify';
import { loadConfig } from '../../src/config';

async function appLogging(level: string, env: Record<string, string> = {}) {
  let out = '';
  const stream = new PassThrough();
  stream.on('data', (d) => (out += d));
  const fastify = createFastify(loadConfig({ LOG_LEVEL: level, ...env }), stream);
  fastify.get('/probe', async (req) => {
    req.log.info({ step: 'info' }, 'probe info');
    req.log.warn({ headers: { authorization: 'Bearer izli_sk_live_leak' } }, 'probe warn');
    req.log.child({ part: 'inner' }).error('probe child');
    return { level: req.log.level };
  });
  await fastify.ready();
  const lines = async (id: string) => {
    const res = await fastify.inject({ method: 'GET', url: '/probe', headers: { 'request-id': id } });
    await new Promise((r) => setImmediate(r));
    return { body: res.json() as { level: string }, lines: out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
  };
  return { fastify, lines };
}

describe('request logger', () => {
  it('at warn: warn and error lines carry the request id and are redacted; info lines are not written', async () => {
    const { fastify, lines } = await appLogging('warn');
    try {
      const { body, lines: written } = await lines('a');
      expect(body.level).toBe('warn');
      const msgs = written.map((l) => l.msg);
      expect(msgs).toEqual(['probe warn', 'probe child']);
      const ids = new Set(written.map((l) => l.reqId));
      expect(ids.size).toBe(1);
      expect([...ids][0]).toMatch(/^req-/);
      expect(written[0].headers).toEqual({ authorization: '[redacted]' });
      expect(written[1].part).toBe('inner');
      expect(JSON.stringify(written)).not.toContain('izli_sk_live_leak');
    } finally {
      await fastify.close();
    }
  });

  it("at info with LOG_REQUESTS: every line of a request, Fastify's own included, carries that request's id", async () => {
    const { fastify, lines } = await appLogging('info', { LOG_REQUESTS: 'true' });
    try {
      const { lines: written } = await lines('b');
      const mine = written.filter((l) => typeof l.msg === 'string' && (l.msg as string).startsWith('probe'));
      expect(mine.map((l) => l.msg)).toEqual(['probe info', 'probe warn', 'probe child']);
      const ids = new Set(written.filter((l) => l.reqId !== undefined).map((l) => l.reqId));
      expect(ids.size).toBe(1);
      expect(written.filter((l) => l.reqId !== undefined).map((l) => l.msg)).toEqual(expect.arrayContaining(['incoming request', 'request completed']));
    } finally {
      await fastify.close();
    }
  });
});
