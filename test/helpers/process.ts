import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { runKeys } from '../../src/cli/keys';
import { runOrgs } from '../../src/cli/orgs';
import { runMembers } from '../../src/cli/members';

export const ROOT = path.resolve(__dirname, '../..');

export interface ServerProcess {
  proc: ChildProcess;
  baseUrl: string;
  output(): string;
  /** SIGTERM (SIGKILL after 20 s), then the exit code. */
  stop(): Promise<number | null>;
}

/** Starts the built server (`dist/src/server.js`, what `npm start` runs) as its own process on a free port. */
export function spawnServer(env: Record<string, string>): Promise<ServerProcess> {
  return spawnRole('dist/src/server.js', env, /Server listening at (http:\/\/127\.0\.0\.1:\d+)/);
}

/** Starts a worker-only process (`dist/src/worker.js`, what `npm run worker` runs); resolves once it takes jobs. */
export function spawnWorker(env: Record<string, string>): Promise<ServerProcess> {
  return spawnRole('dist/src/worker.js', env, /"msg":"worker started"/);
}

async function spawnRole(script: string, env: Record<string, string>, ready: RegExp): Promise<ServerProcess> {
  const proc = spawn(process.execPath, [script], {
    cwd: ROOT,
    env: { ...cleanEnv(), PORT: '0', HOST: '127.0.0.1', BCRYPT_COST: '4', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL'); // a test that gives up on a process must not leave it running
      reject(new Error(`${script} did not start:\n${out}`));
    }, 110_000);
    const check = () => {
      const m = ready.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1] ?? '');
      }
    };
    proc.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}`));
    });
  });
  return {
    proc,
    baseUrl,
    output: () => out,
    async stop() {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      // A test's cleanup must never hang: a process that ignores SIGTERM for 20 s is killed.
      const kill = setTimeout(() => proc.exitCode === null && proc.kill('SIGKILL'), 20_000);
      const code = await exited;
      clearTimeout(kill);
      return code;
    },
  };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a built CLI (`npm run keys` / `npm run orgs` run the same files after building). */
export function runCli(args: string[], env: Record<string, string>, cli: 'keys' | 'orgs' | 'members' | 'seed-history' = 'keys'): Promise<CliResult> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [cli === 'seed-history' ? 'dist/scripts/seed-history.js' : `dist/src/cli/${cli}.js`, ...args], {
      cwd: ROOT,
      env: { ...cleanEnv(), BCRYPT_COST: '4', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => (stdout += d));
    proc.stderr.on('data', (d) => (stderr += d));
    proc.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * `runCli`'s twin in this process: `runKeys` / `runOrgs` on the same environment, without starting Node. For tests that
 * check a CLI's output and exit code; the script entry itself is tested through `runCli`. The run closes what it opens.
 */
export async function runCliInProcess(args: string[], env: Record<string, string>, cli: 'keys' | 'orgs' | 'members' = 'keys'): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io = { env: { ...cleanEnv(), BCRYPT_COST: '4', ...env }, out: (line: string) => (stdout += `${line}\n`), err: (line: string) => (stderr += `${line}\n`) };
  const code = await (cli === 'keys' ? runKeys : cli === 'orgs' ? runOrgs : runMembers)(args, io);
  return { code, stdout, stderr };
}

/** The parent's environment without settings that would point a child at the wrong database. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  // NODE_ENV too: vitest sets it to "test", which changes library defaults (Apollo's signal handling, for one).
  for (const k of ['DATABASE_URL', 'DATA_DIR', 'PORT', 'BOOTSTRAP_KEY', 'SETUP_LINK', 'NODE_OPTIONS', 'NODE_ENV', 'VITEST', 'VITEST_WORKER_ID', 'VITEST_POOL_ID'])
    delete env[k];
  return env;
}
