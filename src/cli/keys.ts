/**
 * `npm run --silent keys -- <command>`: API keys from the command line, for the first key and for operators.
 *
 *   create --org "Acme Inc" --name "Admin" --permissions all [--expires-in 30d|90d|1y|never] [--plan <plan>] [--json]
 *   list   --org "Acme Inc" [--json]
 *   revoke <key id> [--json]
 *
 * `--org` is an organization id (`org_…`) or a name; `create` makes the organization when the name is new, on
 * `--plan` if given, else on DEFAULT_PLAN (an existing organization keeps its plan: `orgs set-plan` changes it).
 * Works on DATABASE_URL, or on the embedded database in DATA_DIR when no server holds it.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import type { ExpiryChoice } from '../modules/api-keys/api-key.service';
import { ApiKeyView } from '../modules/api-keys/api-key.types';
import { ApiKey } from '../modules/api-keys/api-key.entity';
import { need, runAsScript, runMain, UsageError, withServices, type CliIo } from './common';
import { printable } from '../modules/common/printable';
import { systemActorOf } from '../modules/audit/audit';
import { isPlanName, PLAN_NAMES, type PlanName } from '../modules/common/plan-names';

const EXPIRES_IN: Record<string, ExpiryChoice> = { '30d': 'THIRTY_DAYS', '90d': 'NINETY_DAYS', '1y': 'ONE_YEAR', never: 'NEVER' };

const USAGE = `Usage:
  keys create --org <name|org_id> --name <name> --permissions <p1,p2|all> [--expires-in 30d|90d|1y|never] [--plan ${PLAN_NAMES.join('|')}] [--json]
              (--plan: the plan of an organization this creates; default DEFAULT_PLAN)
  keys list   --org <name|org_id> [--json]
  keys revoke <key_id> [--json]`;

/** Runs the command line `argv` (without node and the script) on `io` and answers the exit code; it never exits itself. */
export function runKeys(argv: string[], io: CliIo): Promise<number> {
  return runMain(() => main(argv, io), io);
}

async function main(argv: string[], io: CliIo): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      org: { type: 'string' },
      name: { type: 'string' },
      permissions: { type: 'string' },
      'expires-in': { type: 'string' },
      plan: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help) {
    io.out(USAGE);
    return;
  }
  if (!['create', 'list', 'revoke'].includes(command ?? '')) throw new UsageError(command ? `Unknown command "${command}".\n${USAGE}` : USAGE);
  // Text lines show stored names through `printable`: rows from before the name rule may hold control characters.
  const print = (json: unknown, lines: string[]) => io.out(values.json ? JSON.stringify(json) : lines.map(printable).join('\n'));

  await withServices(io.env, async ({ database, services }) => {
    const em = database.orm.em.fork();
    const now = () => new Date();
    const { organizations: orgs, apiKeys: keys } = services;
    if (command === 'create') {
      const org = need(values.org, '--org', USAGE);
      const name = need(values.name, '--name', USAGE);
      const permissions = need(values.permissions, '--permissions', USAGE).split(',').map((p) => p.trim()).filter(Boolean);
      const expiresIn = EXPIRES_IN[values['expires-in'] ?? 'never'];
      if (!expiresIn) throw new UsageError(`--expires-in must be one of ${Object.keys(EXPIRES_IN).join(', ')}`);
      const { org: organization, created } = await orgs.findOrCreate(em, org, { plan: planOption(values.plan) });
      const { apiKey, key } = await keys.createTrusted(em, organization.id, 'cli', { name, permissions, expiresIn });
      print(
        { key, id: apiKey.id, organizationId: organization.id, organizationName: organization.name, plan: organization.plan, name: apiKey.name, permissions: apiKey.permissions, expiresAt: apiKey.expiresAt },
        [
          `${created ? 'Created organization' : 'Organization'} "${organization.name}" (${organization.id}) on the ${organization.plan} plan`,
          `Created API key "${apiKey.name}" (${apiKey.id}): ${apiKey.permissions.join(', ')}; expires ${apiKey.expiresAt?.toISOString() ?? 'never'}`,
          '',
          `  ${key}`,
          '',
          "Copy the key now: it won't be shown again.",
        ],
      );
    } else if (command === 'list') {
      const { org: organization } = await orgs.findOrCreate(em, need(values.org, '--org', USAGE), { create: false });
      // An administrator's listing: every key, read page by page as the API serves them.
      const list: ApiKeyView[] = [];
      for (let after: string | null = null; ; ) {
        const page = await keys.list(em, organization.id, { first: 100, after });
        list.push(...page.nodes.map((k) => ApiKeyView.from(k, now())));
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      print(
        list,
        list.length
          ? list.map((k) => `${k.id}  ${k.status.padEnd(7)}  ${k.prefix}  ${k.name}  [${k.permissions.join(', ')}]  expires ${k.expiresAt?.toISOString() ?? 'never'}  by ${k.createdBy.name} (${k.createdBy.type})${k.creatorRemoved ? '  creator removed' : ''}`)
          : [`No keys in ${organization.name}.`],
      );
    } else {
      const id = rest[0];
      if (!id) throw new UsageError('revoke needs a key id, e.g. keys revoke key_AbC123…');
      const found = await em.findOne(ApiKey, { id });
      if (!found) throw new UsageError(`No API key ${id}.`);
      const actor = systemActorOf(found.organization.id, 'cli');
      const view = ApiKeyView.from(await keys.revoke(em, null, actor, id), now());
      print(view, [`Revoked ${view.id} ("${view.name}") at ${view.revokedAt?.toISOString()}`]);
    }
  });
}

function planOption(value: string | undefined): PlanName | undefined {
  if (value === undefined) return undefined;
  const plan = value.trim().toUpperCase();
  if (!isPlanName(plan)) throw new UsageError(`--plan must be one of ${PLAN_NAMES.join(', ')}`);
  return plan;
}

if (typeof require !== 'undefined' && require.main === module) runAsScript(runKeys);
