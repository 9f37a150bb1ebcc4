import { ConfigError, loadConfig } from '../config';
import { DatabaseLockedError } from '../db/embedded';
import { AppError } from '../errors';
import { openServices } from '../wiring/open-services';
import type { AdminServices } from '../wiring/admin';

export class UsageError extends Error {}

/** Where a CLI run reads its settings and writes its lines (each without its line break): the process's own, or a test's. */
export interface CliIo {
  env: NodeJS.ProcessEnv;
  out(line: string): void;
  err(line: string): void;
}

/** This process's environment and streams: what a script run as `node dist/src/cli/….js` uses. */
export const processIo: CliIo = { env: process.env, out: (line) => console.log(line), err: (line) => console.error(line) };

/** Opens the operators' services (src/wiring/admin.ts) on DATABASE_URL or the embedded database from `env`, runs `fn`, closes. */
export async function withServices<T>(env: NodeJS.ProcessEnv, fn: (admin: AdminServices) => Promise<T>): Promise<T> {
  const admin = await openServices(loadConfig(env), { role: 'admin', now: () => new Date() });
  try {
    return await fn(admin);
  } finally {
    await admin.close();
  }
}

export function need(value: string | boolean | undefined, flag: string, usage: string): string {
  if (typeof value !== 'string' || !value.trim()) throw new UsageError(`${flag} is required.\n${usage}`);
  return value;
}

/** Runs a CLI's main and answers its exit code: a known error prints its message (bad input as `--flag: message`) and is 1. */
export async function runMain(main: () => Promise<void>, io: CliIo): Promise<number> {
  try {
    await main();
    return 0;
  } catch (e: unknown) {
    if (e instanceof AppError) {
      const fields = (e.details.fields as { field: string; message: string }[] | undefined) ?? [];
      io.err(fields.length ? fields.map((f) => `--${f.field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: ${f.message}`).join('\n') : e.message);
    } else if (e instanceof UsageError || e instanceof ConfigError || e instanceof DatabaseLockedError) {
      io.err(e.message);
    } else {
      io.err(`error: ${e instanceof Error ? e.message : String(e)}`);
    }
    return 1;
  }
}

/** Runs a script's main on this process's streams; a failure prints its message and exits 1. */
export function runCli(main: () => Promise<void>): void {
  void runMain(main, processIo).then((code) => {
    if (code !== 0) process.exit(code);
  });
}

/** A CLI run as a script: `run` on this process's arguments, environment and streams; a failure exits 1 as before. */
export function runAsScript(run: (argv: string[], io: CliIo) => Promise<number>): void {
  void run(process.argv.slice(2), processIo).then((code) => {
    if (code !== 0) process.exit(code);
  });
}
