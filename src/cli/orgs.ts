/**
 * `npm run --silent orgs -- <command>`: organizations from the command line (operators only: plans are not
 * changed through the API, which a customer's key could call).
 *
 *   list [--json]
 *   set-plan [--org <name|org_id>] --plan FREE|TEAM|BUSINESS|UNLIMITED [--json]
 *
 * `--org` may be left out when there is exactly one organization (a self-hosted installation:
 * `npm run orgs -- set-plan --plan UNLIMITED`).
 * set-plan resolves the organization's quota alert when the new plan leaves room this month.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { Organization } from '../modules/organization/organization.entity';
import { isPlanName, PLAN_NAMES } from '../modules/common/plan-names';
import type { EntityManager } from '@mikro-orm/postgresql';
import { need, runAsScript, runMain, UsageError, withServices, type CliIo } from './common';
import { printable } from '../modules/common/printable';

const USAGE = `Usage:
  orgs list [--json]
  orgs set-plan [--org <name|org_id>] --plan ${PLAN_NAMES.join('|')} [--json]   (--org may be left out when there is one organization)`;

/** Runs the command line `argv` (without node and the script) on `io` and answers the exit code; it never exits itself. */
export function runOrgs(argv: string[], io: CliIo): Promise<number> {
  return runMain(() => main(argv, io), io);
}

async function main(argv: string[], io: CliIo): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { org: { type: 'string' }, plan: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
  });
  const [command] = positionals;
  if (values.help) {
    io.out(USAGE);
    return;
  }
  if (command !== 'list' && command !== 'set-plan') throw new UsageError(command ? `Unknown command "${command}".\n${USAGE}` : USAGE);
  // Text lines show stored names through `printable`: rows from before the name rule may hold control characters.
  const print = (json: unknown, lines: string[]) => io.out(values.json ? JSON.stringify(json) : lines.map(printable).join('\n'));
  await withServices(io.env, async ({ database, services }) => {
    const em = database.orm.em.fork();
    if (command === 'list') {
      const all = await em.find(Organization, {}, { orderBy: { createdAt: 'asc' } });
      print(all.map((o) => ({ id: o.id, name: o.name, plan: o.plan })), all.length ? all.map((o) => `${o.id}  ${o.plan.padEnd(8)}  ${o.name}`) : ['No organizations.']);
      return;
    }
    const plan = need(values.plan, '--plan', USAGE).toUpperCase();
    if (!isPlanName(plan)) throw new UsageError(`--plan must be one of ${PLAN_NAMES.join(', ')}`);
    const orgId = values.org ? (await services.organizations.findOrCreate(em, values.org, { create: false })).org.id : await theOnlyOrganization(em);
    const org = await services.billing.setPlan(em, orgId, plan);
    print({ id: org.id, name: org.name, plan: org.plan }, [`${org.name} (${org.id}) is now on ${org.plan}.`]);
  });
}

/** Without --org: the installation's one organization; with several, the operator must say which. */
async function theOnlyOrganization(em: EntityManager): Promise<string> {
  const all = await em.find(Organization, {}, { fields: ['id'], limit: 2 });
  if (all.length === 1) return all[0].id;
  throw new UsageError(all.length ? `--org is required: there is more than one organization (see orgs list).\n${USAGE}` : 'There is no organization yet: create a key with `keys create --org <name>` (or start the server once on the embedded database).');
}

if (typeof require !== 'undefined' && require.main === module) runAsScript(runOrgs);
