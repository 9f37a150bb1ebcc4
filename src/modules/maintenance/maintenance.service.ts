import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { badInput, conflict, notFound, type FieldError } from '../../errors';
import { unknownCheckErrors } from '../checks/check-ids';
import { paginate, type Page, type PageArgs } from '../common/pagination';
import { audit, type Actor } from '../audit/audit';
import { Organization } from '../organization/organization.entity';
import { lockOrganization } from '../organization/organization-lock';
import { MaintenanceWindow } from './maintenance-window.entity';

/** Hears a window change in the transaction that makes it. */
export type WindowHook = (tx: EntityManager, window: MaintenanceWindow) => Promise<void>;

export interface WindowInput {
  name: string;
  startsAt: Date;
  endsAt: Date;
  checkIds?: string[] | null;
}

/** The longest window: a year (a forgotten "pause everything" should not silence alerts for ever). */
const MAX_WINDOW_MS = 366 * 86_400_000;

/**
 * Maintenance windows of one organization. Whether a check is in one is decided by one condition,
 * `underMaintenance` (under-maintenance.ts), at the run's finish: the alert rule opens no alert and sends no
 * opening or acknowledgement for it while a window covers the run (a resolution is always sent), and the rollup
 * write leaves the run out of the statistics.
 */
export class MaintenanceService {
  constructor(
    private readonly now: () => Date,
    /** MAX_MAINTENANCE_WINDOWS_PER_ORGANIZATION: windows not yet ended an organization may have. */
    private readonly opts: { maxWindows: number },
    /**
     * Told in the creation's transaction (`created`: status pages send it to their subscribers as scheduled
     * maintenance) and in the deletion's of a window not ended yet (`cancelled`: they send its cancellation).
     */
    private readonly told: { created?: WindowHook; cancelled?: WindowHook } = {},
  ) {}

  list(em: EntityManager, organizationId: string, args: PageArgs): Promise<Page<MaintenanceWindow>> {
    return paginate(em, MaintenanceWindow, { organization: organizationId }, 'createdAt', args);
  }

  async create(em: EntityManager, actor: Actor, input: WindowInput): Promise<MaintenanceWindow> {
    const errors = [...this.inputErrors(input), ...(await unknownCheckErrors(em, actor.organizationId, input.checkIds ?? []))];
    if (errors.length) throw badInput(errors);
    return em.transactional(async (tx) => {
      await this.assertBelowCap(tx, actor.organizationId);
      const window = tx.create(MaintenanceWindow, {
        organization: tx.getReference(Organization, actor.organizationId),
        name: input.name.trim(),
        startsAt: input.startsAt,
        endsAt: input.endsAt,
        checkIds: [...new Set(input.checkIds ?? [])],
        createdAt: this.now(),
      });
      audit(tx, actor, 'maintenance_window.created', window.id, this.now());
      await tx.flush();
      await this.told.created?.(tx, window);
      return window;
    });
  }

  /**
   * The per-organization cap on windows not yet ended (ended ones cost nothing: the alert rule's condition never
   * matches them). The organization row is locked first, so concurrent creations are counted one after another.
   */
  private async assertBelowCap(tx: EntityManager, organizationId: string): Promise<void> {
    await lockOrganization(tx, organizationId);
    const count = await tx.count(MaintenanceWindow, { organization: organizationId, endsAt: { $gt: this.now() } });
    if (count >= this.opts.maxWindows)
      throw conflict(`The organization has ${count} current or future maintenance windows, the most it may have (${this.opts.maxWindows}); delete unused ones first`);
  }

  /**
   * Deletes a window. One not ended yet was announced to status-page subscribers when it was created: they are sent
   * its cancellation in the same transaction (a window that has ended is history, and its deletion is sent to nobody).
   */
  async delete(em: EntityManager, actor: Actor, id: string): Promise<string> {
    await em.transactional(async (tx) => {
      // Read and locked in the transaction: of two deletes at once (a double click, a retried request), the second
      // waits, finds nothing and is NOT_FOUND; it sends no second cancellation and writes no second audit event.
      const w = await tx.findOne(MaintenanceWindow, { id, organization: actor.organizationId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!w) throw notFound('Maintenance window');
      tx.remove(w);
      audit(tx, actor, 'maintenance_window.deleted', id, this.now());
      await tx.flush();
      if (w.endsAt > this.now()) await this.told.cancelled?.(tx, w);
    });
    return id;
  }

  inputErrors(input: Partial<WindowInput>): FieldError[] {
    const errors: FieldError[] = [];
    if (input.name != null && !input.name.trim()) errors.push({ field: 'name', message: 'must not be blank' });
    if (input.startsAt instanceof Date && input.endsAt instanceof Date) {
      if (input.endsAt <= input.startsAt) errors.push({ field: 'endsAt', message: 'must be after startsAt' });
      else if (input.endsAt.getTime() - input.startsAt.getTime() > MAX_WINDOW_MS) errors.push({ field: 'endsAt', message: 'must be at most a year after startsAt' });
    }
    if (input.endsAt instanceof Date && input.endsAt <= this.now()) errors.push({ field: 'endsAt', message: 'must be in the future' });
    return errors;
  }
}
