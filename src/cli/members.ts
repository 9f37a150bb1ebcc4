/**
 * `npm run --silent members -- add --org "Acme Inc" --email a@example.com --role OWNER [--name "Ada"] [--json]`:
 * a member and a single-use link (valid 24 hours) to set its password, for the first owner of an installation
 * before invitations exist. The organization is made when the name is new (as `keys create` does); for a member
 * that exists already only a new link is made (its role is left as it is: roles change through the API).
 * Works on DATABASE_URL, or on the embedded database in DATA_DIR when no server holds it.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config';
import { Member } from '../modules/members/member.entity';
import { MEMBER_ROLES } from '../modules/members/roles';
import { need, runAsScript, runMain, UsageError, withServices, type CliIo } from './common';
import { printable } from '../modules/common/printable';
import { systemActorOf } from '../modules/audit/audit';

const USAGE = `Usage:
  members add --org <name|org_id> --email <email> --role ${MEMBER_ROLES.join('|')} [--name <name>] [--json]
              (prints a single-use link, valid 24 hours, that sets the member's password)`;

/** Runs the command line `argv` (without node and the script) on `io` and answers the exit code; it never exits itself. */
export function runMembers(argv: string[], io: CliIo): Promise<number> {
  return runMain(() => main(argv, io), io);
}

async function main(argv: string[], io: CliIo): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      org: { type: 'string' },
      email: { type: 'string' },
      role: { type: 'string' },
      name: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return io.out(USAGE);
  if (positionals[0] !== 'add') throw new UsageError(positionals[0] ? `Unknown command "${positionals[0]}".\n${USAGE}` : USAGE);
  const orgName = need(values.org, '--org', USAGE);
  const email = need(values.email, '--email', USAGE).trim().toLowerCase();
  const role = need(values.role, '--role', USAGE).trim().toUpperCase();
  if (!(MEMBER_ROLES as string[]).includes(role)) throw new UsageError(`--role must be one of ${MEMBER_ROLES.join(', ')}`);
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) || email.length > 254) throw new UsageError('--email must be an email address');
  const config = loadConfig(io.env);
  const base = (config.PUBLIC_URL ?? `http://${config.HOST}:${config.PORT}`).replace(/\/+$/, '');

  await withServices(io.env, async ({ database, services }) => {
    const em = database.orm.em.fork();
    const { org, created } = await services.organizations.findOrCreate(em, orgName);
    const actor = systemActorOf(org.id, 'cli');
    const existing = await em.findOne(Member, { organization: org.id, email });
    const member = existing ?? (await services.members.invite(em, null, actor, { email, role: role as Member['role'], name: values.name ?? null }));
    const { token, expiresAt } = await services.accounts.passwordLink(em, member.id);
    const link = `${base}/dashboard/reset-password?token=${token}`;
    if (values.json) return io.out(JSON.stringify({ memberId: member.id, organizationId: org.id, role: member.role, token, link, expiresAt }));
    io.out(
      [
        `${created ? 'Created organization' : 'Organization'} "${org.name}" (${org.id})`,
        `${existing ? 'Member' : 'Added member'} ${member.email} (${member.id}) as ${member.role}${existing && existing.role !== role ? ` (role left as it is; change it through the API)` : ''}`,
        '',
        'Set the password within 24 hours (the link works once):',
        `  ${link}`,
        '',
        'or over HTTP:',
        `  curl -X POST ${base}/auth/reset-password -H 'content-type: application/json' -d '{"token":"${token}","password":"<new password>"}'`,
      ]
        .map(printable)
        .join('\n'),
    );
  });
}

if (typeof require !== 'undefined' && require.main === module) runAsScript(runMembers);
