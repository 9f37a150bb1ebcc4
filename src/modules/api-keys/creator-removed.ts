import type { EntityManager } from '@mikro-orm/postgresql';
import { ApiKey } from './api-key.entity';

/**
 * A member is being removed (inside the removal's transaction): the organization's keys it created keep working,
 * since machines depend on them, and are flagged `creatorRemoved` for an owner to review, as the reference's
 * "Audit regularly" asks. Returns how many keys were flagged.
 */
export function flagKeysOfRemovedCreator(tx: EntityManager, organizationId: string, memberId: string): Promise<number> {
  return tx.nativeUpdate(ApiKey, { organization: organizationId, createdBy: memberId, creatorRemoved: false }, { creatorRemoved: true });
}
