/**
 * `npm run --silent orgs -- <command>`: organizations from the command line (operators only: plans are not
 * changed through the API, which a customer's key could call).
 *
 *   list [--json]
 *   set-plan --org <name|org_id> --plan FREE|TEAM|BUSINESS|UNLIMITED [--json]
 *
 * set-plan resolves the organization's quota alert when the new plan leaves room this month.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { Organization } from '../modules/organization/organization.entity';
import { OrganizationService } from '../modules/organization/organization.service';
import { BillingService } from '../modules/billing/billing.service';
import { isPlanName, PLAN_NAMES } from '../modules/billing/plans';
import { need, runCli, UsageError, withDatabase } from './common';

const USAGE = `Usage:
  orgs list [--json]
  orgs set-plan --org <name|org_id> --plan ${PLAN_NAMES.join('|')} [--json]`;

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { org: { type: 'string' }, plan: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
  });
  const [command] = positionals;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (command !== 'list' && command !== 'set-plan') throw new UsageError(command ? `Unknown command "${command}".\n${USAGE}` : USAGE);
  const print = (json: unknown, text: string) => process.stdout.write(values.json ? `${JSON.stringify(json)}\n` : `${text}\n`);
  await withDatabase(async (db) => {
    const em = db.orm.em.fork();
    if (command === 'list') {
      const all = await em.find(Organization, {}, { orderBy: { createdAt: 'asc' } });
      print(all.map((o) => ({ id: o.id, name: o.name, plan: o.plan })), all.map((o) => `${o.id}  ${o.plan.padEnd(8)}  ${o.name}`).join('\n') || 'No organizations.');
      return;
    }
    const plan = need(values.plan, '--plan', USAGE).toUpperCase();
    if (!isPlanName(plan)) throw new UsageError(`--plan must be one of ${PLAN_NAMES.join(', ')}`);
    const now = () => new Date();
    const found = await new OrganizationService(now).findOrCreate(em, need(values.org, '--org', USAGE), { create: false });
    const org = await new BillingService(now).setPlan(em, found.org.id, plan);
    print({ id: org.id, name: org.name, plan: org.plan }, `${org.name} (${org.id}) is now on ${org.plan}.`);
  });
}

runCli(() => main(process.argv.slice(2)));
