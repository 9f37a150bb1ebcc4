/** A worker's start and stop each leave one info line naming its location and id: where an operator looks first. */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { startTestApp } from '../helpers/app';

describe('worker lifecycle log', () => {
  it('one "worker started" and one "worker stopped" line, with the same location and workerId', async () => {
    const stream = new PassThrough();
    let out = '';
    stream.on('data', (d) => (out += d));
    const t = await startTestApp({ LOG_LEVEL: 'info', LOCATION: 'lab-1' }, { logStream: stream });
    const rows = await t.db.orm.em.getConnection().execute<{ id: string }[]>("select id from workers where location = 'lab-1'");
    await t.close();
    const lines = out
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { level: number; msg: string; location?: string; workerId?: string });
    const started = lines.filter((l) => l.msg === 'worker started');
    const stopped = lines.filter((l) => l.msg === 'worker stopped');
    expect(started).toHaveLength(1);
    expect(stopped).toHaveLength(1);
    expect(started[0]).toMatchObject({ level: 30, location: 'lab-1', workerId: rows[0].id });
    expect(stopped[0]).toMatchObject({ level: 30, location: 'lab-1', workerId: rows[0].id });
    expect(rows[0].id).toMatch(/^wrk_/);
  });
});
