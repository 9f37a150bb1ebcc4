/**
 * `npm run --silent keys -- <command>`: API keys from the command line, for the first key and for operators.
 *
 *   create --org "Acme Inc" --name "Admin" --permissions all [--expires-in 30d|90d|1y|never] [--json]
 *   list   --org "Acme Inc" [--json]
 *   revoke <key id> [--json]
 *
 * `--org` is an organization id (`org_…`) or a name; `create` makes the organization when the name is new.
 * Works on DATABASE_URL, or on the embedded database in DATA_DIR when no server holds it.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config';
import { openDatabase } from '../db/database';
import { DatabaseLockedError } from '../db/embedded';
import { AppError } from '../errors';
import { ApiKeyService, type ExpiryChoice } from '../modules/api-keys/api-key.service';
import { OrganizationService } from '../modules/organization/organization.service';
import { ApiKeyView } from '../modules/api-keys/api-key.types';
import { ApiKey } from '../modules/api-keys/api-key.entity';

const EXPIRES_IN: Record<string, ExpiryChoice> = { '30d': 'THIRTY_DAYS', '90d': 'NINETY_DAYS', '1y': 'ONE_YEAR', never: 'NEVER' };

const USAGE = `Usage:
  keys create --org <name|org_id> --name <name> --permissions <p1,p2|all> [--expires-in 30d|90d|1y|never] [--json]
  keys list   --org <name|org_id> [--json]
  keys revoke <key_id> [--json]`;

class UsageError extends Error {}

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      org: { type: 'string' },
      name: { type: 'string' },
      permissions: { type: 'string' },
      'expires-in': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  }).valueOf() as { positionals: string[]; values: Record<string, string | boolean | undefined> };
  const [command, ...rest] = positionals;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (!command) throw new UsageError(USAGE);

  const config = loadConfig();
  const now = () => new Date();
  const db = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR });
  const em = db.orm.em.fork();
  const orgs = new OrganizationService(now);
  const keys = new ApiKeyService({ bcryptCost: config.BCRYPT_COST, now, forget: () => {} });
  const print = (json: unknown, text: string) => process.stdout.write(values.json ? `${JSON.stringify(json)}\n` : `${text}\n`);
  try {
    if (command === 'create') {
      const org = need(values.org, '--org');
      const name = need(values.name, '--name');
      const permissions = need(values.permissions, '--permissions').split(',').map((p) => p.trim()).filter(Boolean);
      const expiresFlag = (values['expires-in'] as string | undefined) ?? 'never';
      const expiresIn = EXPIRES_IN[expiresFlag];
      if (!expiresIn) throw new UsageError(`--expires-in must be one of ${Object.keys(EXPIRES_IN).join(', ')}`);
      const { org: organization, created } = await orgs.findOrCreate(em, org);
      const { apiKey, key } = await keys.createTrusted(em, organization.id, 'cli', { name, permissions, expiresIn });
      print(
        { key, id: apiKey.id, organizationId: organization.id, organizationName: organization.name, name: apiKey.name, permissions: apiKey.permissions, expiresAt: apiKey.expiresAt },
        [
          `${created ? 'Created organization' : 'Organization'} "${organization.name}" (${organization.id})`,
          `Created API key "${apiKey.name}" (${apiKey.id}): ${apiKey.permissions.join(', ')}; expires ${apiKey.expiresAt?.toISOString() ?? 'never'}`,
          '',
          `  ${key}`,
          '',
          "Copy the key now: it won't be shown again.",
        ].join('\n'),
      );
    } else if (command === 'list') {
      const { org: organization } = await orgs.findOrCreate(em, need(values.org, '--org'), { create: false });
      const list = (await keys.list(em, organization.id)).map((k) => ApiKeyView.from(k, now()));
      print(
        list,
        list.length
          ? list.map((k) => `${k.id}  ${k.status.padEnd(7)}  ${k.prefix}  ${k.name}  [${k.permissions.join(', ')}]  expires ${k.expiresAt?.toISOString() ?? 'never'}`).join('\n')
          : `No keys in ${organization.name}.`,
      );
    } else if (command === 'revoke') {
      const id = rest[0];
      if (!id) throw new UsageError('revoke needs a key id, e.g. keys revoke key_AbC123…');
      const found = await em.findOne(ApiKey, { id });
      if (!found) throw new UsageError(`No API key ${id}.`);
      const key = await keys.revoke(em, found.organization.id, id);
      const view = ApiKeyView.from(key, now());
      print(view, `Revoked ${view.id} ("${view.name}") at ${view.revokedAt?.toISOString()}`);
    } else {
      throw new UsageError(`Unknown command "${command}".\n${USAGE}`);
    }
  } finally {
    await db.close();
  }
}

function need(value: string | boolean | undefined, flag: string): string {
  if (typeof value !== 'string' || !value.trim()) throw new UsageError(`${flag} is required.\n${USAGE}`);
  return value;
}

main(process.argv.slice(2)).catch((e: unknown) => {
  if (e instanceof AppError) {
    const fields = (e.details.fields as { field: string; message: string }[] | undefined) ?? [];
    console.error(fields.length ? fields.map((f) => `--${f.field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: ${f.message}`).join('\n') : e.message);
  } else if (e instanceof UsageError || e instanceof ConfigError || e instanceof DatabaseLockedError) {
    console.error(e.message);
  } else if (e instanceof Error) {
    console.error(`keys: ${e.message}`);
  } else {
    console.error(String(e));
  }
  process.exit(1);
});
