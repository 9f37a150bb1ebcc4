import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Organization } from './organization.entity';

/**
 * Locks the organization's row for the rest of the transaction. Every per-organization cap (keys, channels,
 * maintenance windows) counts under it, so concurrent creations are counted one after another and a cap holds
 * exactly, on every instance.
 */
export async function lockOrganization(tx: EntityManager, organizationId: string): Promise<void> {
  await tx.findOne(Organization, { id: organizationId }, { lockMode: LockMode.PESSIMISTIC_WRITE, fields: ['id'] });
}
