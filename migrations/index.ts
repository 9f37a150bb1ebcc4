// The committed migrations, in order. `npm run migration:create` writes a new file and adds it here.
import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261126193107 } from './Migration20261126193107';
import { Migration20261126195206 } from './Migration20261126195206';
import { Migration20261126225337 } from './Migration20261126225337';

export const MIGRATIONS: MigrationObject[] = [
  { name: 'Migration20261126193107', class: Migration20261126193107 },
  { name: 'Migration20261126195206', class: Migration20261126195206 },
  { name: 'Migration20261126225337', class: Migration20261126225337 },
];
