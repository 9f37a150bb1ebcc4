import * as fs from 'node:fs';
import * as path from 'node:path';
import { SECRETS_KEY_FILE } from '../modules/checks/secrets-key';

/** What the embedded database's files may be: its owner's alone (PostgreSQL's own modes for a data directory). */
export const DATA_DIR_MODE = 0o700;
export const DATA_FILE_MODE = 0o600;

/** The embedded database's own directory in DATA_DIR (PGlite's NodeFS root). */
export const PGDATA = 'pgdata';
/** The lock file that keeps a second process off the database (src/db/embedded.ts). */
export const LOCK_FILE = 'tracer.lock';

/**
 * Makes what tracer keeps in `dir` its owner's alone: `dir` itself 0700, the database's directory (`pgdata`) and
 * everything in it (directories 0700, files 0600), and tracer's own files beside it (the secrets key, the lock)
 * 0600. Nothing else in `dir` is touched: DATA_DIR may be `.` or a folder shared with other files, whose modes are
 * not tracer's to change. `dir` and `pgdata` may be symbolic links (followed); a link inside them is left as it is
 * (what it points to is not ours to change). Run at every start, so an install made before this rule, or a file
 * someone loosened, is put right before the database opens.
 */
export function secureDataDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: DATA_DIR_MODE });
  const root = fs.statSync(dir); // a symlinked DATA_DIR is its target
  if (!root.isDirectory()) throw new Error(`DATA_DIR ${path.resolve(dir)} is not a directory`);
  const walk = (at: string, stat: fs.Stats) => {
    if (stat.isDirectory()) {
      if ((stat.mode & 0o777) !== DATA_DIR_MODE) fs.chmodSync(at, DATA_DIR_MODE);
      for (const entry of fs.readdirSync(at, { withFileTypes: true })) {
        const child = path.join(at, entry.name);
        if (entry.isDirectory() || entry.isFile()) walk(child, fs.lstatSync(child));
      }
    } else if (stat.isFile() && (stat.mode & 0o777) !== DATA_FILE_MODE) {
      fs.chmodSync(at, DATA_FILE_MODE);
    }
  };
  if ((root.mode & 0o777) !== DATA_DIR_MODE) fs.chmodSync(dir, DATA_DIR_MODE);
  const pgdata = statIfAny(path.join(dir, PGDATA), fs.statSync);
  if (pgdata?.isDirectory()) walk(path.join(dir, PGDATA), pgdata);
  for (const name of [SECRETS_KEY_FILE, LOCK_FILE]) {
    const stat = statIfAny(path.join(dir, name), fs.lstatSync);
    if (stat?.isFile()) walk(path.join(dir, name), stat);
  }
}

const statIfAny = (at: string, stat: (at: string) => fs.Stats): fs.Stats | undefined => {
  try {
    return stat(at);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
};
