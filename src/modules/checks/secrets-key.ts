import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, parseSecretsKey } from '../../config';

export const SECRETS_KEY_FILE = 'secrets.key';

export interface SecretsKeySource {
  /** SECRETS_KEY, already validated by the config. */
  configured?: string;
  /** Set when this process runs the embedded database in this directory: the key file may live there. */
  embeddedDataDir?: string;
  /** Told once, when a key file is made. */
  onGenerated?: (file: string) => void;
}

/**
 * The key that encrypts credential headers at rest. SECRETS_KEY when set. Otherwise, on the embedded database,
 * `<DATA_DIR>/secrets.key`, made once (random, mode 0600) and read on every later start: one process owns that
 * directory, so the key can live beside the data. PostgreSQL has no such home: instances sharing a database must
 * share the key, which only the operator can arrange, so there SECRETS_KEY is required.
 */
export function loadSecretsKey(source: SecretsKeySource): Buffer {
  if (source.configured) return parseSecretsKey(source.configured)!;
  if (!source.embeddedDataDir)
    throw new ConfigError(
      'SECRETS_KEY is required with DATABASE_URL: credential headers are encrypted at rest, and every instance sharing ' +
        'the database must use the same key. Generate one with `openssl rand -base64 32` and keep it in your secret store.',
    );
  const file = path.join(source.embeddedDataDir, SECRETS_KEY_FILE);
  fs.mkdirSync(source.embeddedDataDir, { recursive: true, mode: 0o700 }); // the embedded database's directory: its owner's alone
  try {
    // 'wx': never overwrite a key that exists, even one written a moment ago by someone else.
    fs.writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { flag: 'wx', mode: 0o600 });
    source.onGenerated?.(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const key = parseSecretsKey(fs.readFileSync(file, 'utf8'));
  if (!key) throw new ConfigError(`${path.resolve(file)} does not hold a valid key (32 bytes as base64 or 64 hex characters)`);
  return key;
}
