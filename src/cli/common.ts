import { ConfigError, loadConfig } from '../config';
import { DatabaseLockedError } from '../db/embedded';
import { AppError } from '../errors';
import { openServices } from '../wiring/open-services';
import type { AdminServices } from '../wiring/admin';

export class UsageError extends Error {}

/** Opens the operators' services (src/wiring/admin.ts) on DATABASE_URL or the embedded database, runs `fn`, closes. */
export async function withServices<T>(fn: (admin: AdminServices) => Promise<T>): Promise<T> {
  const admin = await openServices(loadConfig(), { role: 'admin', now: () => new Date() });
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

/** Runs a CLI's main: a known error prints its message (bad input as `--flag: message`) and exits 1. */
export function runCli(main: () => Promise<void>): void {
  main().catch((e: unknown) => {
    if (e instanceof AppError) {
      const fields = (e.details.fields as { field: string; message: string }[] | undefined) ?? [];
      console.error(fields.length ? fields.map((f) => `--${f.field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: ${f.message}`).join('\n') : e.message);
    } else if (e instanceof UsageError || e instanceof ConfigError || e instanceof DatabaseLockedError) {
      console.error(e.message);
    } else {
      console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
    }
    process.exit(1);
  });
}
