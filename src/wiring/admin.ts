import { memberSessions } from '../modules/accounts/session-ends';
import type { Config } from '../config';
import { openDatabase, type Database } from '../db/database';
import type { Services } from '../context/services';
import { BcryptPool } from '../modules/auth/bcrypt-pool';
import { accountServices, apiKeyService, NO_KEY_MEMORY } from './accounts';
import { FailureLimiter } from '../modules/auth/failure-limiter';
import { keyChangeAnnouncer } from '../modules/auth/key-events';
import { PasswordHasher } from '../modules/accounts/password-hash';
import { AccountService } from '../modules/accounts/account.service';
import { MemberService } from '../modules/members/member.service';
import type { SessionEnds } from '../modules/accounts/session-ends';

/** What the operators' commands (`npm run keys`, `npm run orgs`) work with: the database and the account services. */
export interface AdminServices {
  database: Database;
  services: Pick<Services, 'organizations' | 'billing' | 'apiKeys' | 'members' | 'accounts'>;
  close(): Promise<void>;
}

/**
 * Opens DATABASE_URL or the embedded database (refused while a server holds it) with no job queue and no HTTP:
 * a command changes rows and leaves. A revocation still reaches running instances on PostgreSQL through NOTIFY.
 */
export async function openAdmin(config: Config, now: () => Date): Promise<AdminServices> {
  const database = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR });
  // One thread, started only when a command hashes (creating a key): listing or revoking starts none.
  const bcrypt = new BcryptPool({ threads: 1, maxQueue: 1 });
  // A command verifies no session; what it ends, running instances hear of by NOTIFY on PostgreSQL.
  const ends: SessionEnds = { announce: keyChangeAnnouncer(database.kind), forget: () => {} };
  return {
    database,
    services: {
      ...accountServices(config, now),
      apiKeys: apiKeyService(config, database, bcrypt, now, NO_KEY_MEMORY),
      members: new MemberService(now, memberSessions(ends)),
      accounts: new AccountService({
        now,
        limiter: new FailureLimiter(config.AUTH_FAILURE_LIMIT),
        ends,
        passwords: new PasswordHasher({ concurrency: 1, maxQueue: 1 }),
        sessionMaxDays: config.SESSION_MAX_DAYS,
        sessionIdleMinutes: config.SESSION_IDLE_MINUTES,
      }),
    },
    async close() {
      await bcrypt.close();
      await database.close();
    },
  };
}
