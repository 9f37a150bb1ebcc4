/** Processes, databases and small statistics the benchmark rows share. */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { Client } from 'pg';

export interface Row {
  name: string;
  reqPerSec: number;
  p50: number;
  p99: number;
  rssMb: number | null;
  /** RSS every 500 ms during the measured load (MB), for the rows that ask for it (the soak). */
  rssSamples?: number[];
  /** The server process's CPU time (user + system) per answered request, in microseconds. */
  cpuUsPerReq: number | null;
  statuses: Record<string, number>;
  /** Status counts of the 2 s warm-up, for rows whose story starts there (the limiter's first minute). */
  warmStatuses?: Record<string, number>;
  ratio?: number;
  p99Ratio?: number;
  cpuRatio?: number;
  note?: string;
}

export const ROOT = path.resolve(__dirname, '../../..');

export const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

export const rssMb = (pid: number): number | null => {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 102.4) / 10 : null;
  } catch {
    return null;
  }
};

/** utime + stime of a process in milliseconds (/proc/<pid>/stat fields 14 and 15, in clock ticks of 10 ms). */
export const cpuMs = (pid: number): number | null => {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
};

export interface Proc {
  child: ChildProcess;
  url: string;
  output: () => string;
  stop(): Promise<void>;
}

/**
 * The node flags `npm start` (dist/src/server.js) and `npm run worker` (dist/src/worker.js) start `script` with in
 * environment `env` (scripts/node-flags.js, by role: the embedded default's differ from a PostgreSQL process's), so
 * the bench runs tracer's processes exactly as users do, and the flags live in one place. A script neither starts
 * (the baseline, the peer) runs with none.
 */
export function nodeFlags(script: string, env: Record<string, string | undefined>): string[] {
  const role = { 'dist/src/server.js': 'server', 'dist/src/worker.js': 'worker' }[script];
  if (!role) return [];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { nodeFlags: flagsFor } = require(path.join(ROOT, 'scripts', 'node-flags.js')) as { nodeFlags: (role: string, env: Record<string, string | undefined>) => string[] };
  return flagsFor(role, env);
}

export async function startProcess(
  script: string,
  env: Record<string, string>,
  ready: (url: string) => Promise<boolean>,
  /**
   * Another build (`root`: a directory holding its own dist/), node flags after package.json's (the last wins), and
   * environment variables over `env` (`WORKER=false` beside the default, in the same rounds).
   */
  variant: { root?: string; flags?: string[]; env?: Record<string, string> } = {},
): Promise<Proc & { startedMs: number }> {
  const port = await freePort();
  const t0 = performance.now();
  const childEnv = { ...process.env, PORT: String(port), HOST: '127.0.0.1', ...env, ...variant.env };
  const child = spawn(process.execPath, [...nodeFlags(script, childEnv), ...(variant.flags ?? []), variant.root ? path.join(variant.root, script) : script], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`${script} exited:\n${out}`);
    if (await ready(url).catch(() => false)) break;
    if (i > 3000) {
      child.kill('SIGKILL'); // never leave a half-started process behind
      throw new Error(`${script} did not become ready:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  const startedMs = performance.now() - t0;
  return {
    child,
    url,
    startedMs,
    output: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export const readyz = async (url: string) => (await fetch(`${url}/readyz`)).status === 200;

export async function cli(args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${args.join(' ')}: ${err}`))));
  });
}

export async function withPostgresDatabase<T>(adminUrl: string, fn: (url: string) => Promise<T>): Promise<T> {
  const name = `tracer_bench_${Date.now()}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  try {
    return await fn(url.toString());
  } finally {
    await admin.query(`drop database if exists "${name}" with (force)`);
    await admin.end();
  }
}

export const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
/** The median over rounds of `rows[r]` req/s ÷ `against[r]` req/s, to two decimals. */
export const pairedRatio = (rows: Row[], against: Row[]) => Math.round(median(rows.map((x, r) => x.reqPerSec / against[r].reqPerSec)) * 100) / 100;
export const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

