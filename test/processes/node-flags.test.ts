/**
 * The node flags `npm start` and `npm run worker` give tracer's process, by role (scripts/node-flags.js, ADR 0078):
 * package.json's own command is run by `sh` as npm runs it, with the script it starts swapped for one that prints
 * what the process really got (its command-line flags and V8's heap limit, which both semi-space and old-space
 * sizes change).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
const { scripts } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
const PROBE = `-e "console.log(JSON.stringify({ argv: process.execArgv.slice(0, process.execArgv.indexOf('-e')), limitMb: require('v8').getHeapStatistics().heap_size_limit / 1048576 }))"`;

/** What the process `npm run <script>` starts would run with, in `env` (the build step left out). */
function started(script: 'start' | 'worker', env: Record<string, string>): { argv: string[]; limitMb: number } {
  const launch = scripts[script].split('&&').slice(1).join('&&').trim(); // all but the build step
  const entry = script === 'start' ? 'dist/src/server.js' : 'dist/src/worker.js';
  expect(launch.endsWith(` ${entry}`)).toBe(true);
  const { DATABASE_URL: _db, NODE_OPTIONS: _opts, ...inherited } = process.env;
  const out = execFileSync('sh', ['-c', launch.slice(0, -entry.length) + PROBE], { cwd: ROOT, env: { ...inherited, ...env }, encoding: 'utf8' });
  return JSON.parse(out) as { argv: string[]; limitMb: number };
}

describe('node flags by role', () => {
  it('gives the embedded default a 32 MB young generation collected on its main thread, without allocation-site pretenuring', () => {
    const { argv, limitMb } = started('start', {});
    expect(argv).toEqual(['--max-old-space-size=1024', '--max-semi-space-size=32', '--single-threaded-gc', '--no-allocation-site-pretenuring']);
    expect(limitMb).toBe(1024 + 3 * 32); // V8's limit: the old space and three semi-spaces
  });

  it('keeps a process on PostgreSQL (API role, worker) on the small heap of ADR 0046', () => {
    for (const script of ['start', 'worker'] as const) {
      const { argv, limitMb } = started(script, { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/unused' });
      expect(argv).toEqual(['--max-old-space-size=1024', '--max-semi-space-size=8']);
      expect(limitMb).toBe(1024 + 3 * 8);
    }
  });

  it('starts nothing when the flags cannot be worked out', () => {
    const launch = scripts.start.split('&&').slice(1).join('&&').replace('node-flags.js server', 'node-flags.js nonsense');
    const run = () => execFileSync('sh', ['-c', launch.replace('dist/src/server.js', PROBE)], { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' });
    expect(run).toThrow(/unknown role "nonsense"/);
  });

  it("lets an operator's NODE_OPTIONS win over a default of the same flag", () => {
    const embedded = started('start', { NODE_OPTIONS: '--max-old-space-size=2048 --max_semi_space_size=8' });
    expect(embedded.argv).toEqual(['--single-threaded-gc', '--no-allocation-site-pretenuring']);
    expect(embedded.limitMb).toBe(2048 + 3 * 8);
    const api = started('start', { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/unused', NODE_OPTIONS: '--max-old-space-size=512' });
    expect(api.limitMb).toBe(512 + 3 * 8);
  });

  it('takes TRACER_NODE_FLAGS instead of the defaults, the one way to drop --single-threaded-gc', () => {
    expect(started('start', { TRACER_NODE_FLAGS: '--max-semi-space-size=16' })).toEqual({ argv: ['--max-semi-space-size=16'], limitMb: expect.any(Number) });
    expect(started('start', { TRACER_NODE_FLAGS: '' }).argv).toEqual([]);
  });
});
