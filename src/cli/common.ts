import { ConfigError, loadConfig, type Config } from '../config';
import { openDatabase, type Database } from '../db/database';
import { DatabaseLockedError } from '../db/embedded';
import { AppError } from '../errors';

export class UsageError extends Error {}

/** Opens DATABASE_URL or the embedded database (refused while a server holds it), runs `fn`, closes. */
export async function withDatabase<T>(fn: (db: Database, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const db = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR });
  try {
    return await fn(db, config);
  } finally {
    await db.close();
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
