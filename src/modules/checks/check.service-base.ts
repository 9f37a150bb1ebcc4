import type { EntityKey, FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { notFound, type FieldError } from '../../errors';
import type { LivePublisher } from '../common/live-events';
import { paginate, type Page, type PageArgs, type PageColumns } from '../common/pagination';
import type { BillingService } from '../billing/billing.service';
import type { LocationService } from '../locations/location.service';
import { audit, changedFields, type Actor, type AuditAction } from '../audit/audit';
import { Organization } from '../organization/organization.entity';
import type { CheckEntity, CheckKind } from './check-kind';
import { CheckRow } from './check-row.entity';
import type { SecretBox } from './secret-box';
import { applyPaused, checkEscalationPolicy, checkLocations, type CheckStatus, type ScheduleInput } from './scheduled-check';

/** A check list's filters: by status, by tag (both optional, together). */
export type CheckListArgs = PageArgs & { status?: CheckStatus | null; tag?: string | null };

/** A kind's service as the API uses it: the shared base plus its own create, update and input rules. */
export interface KindService<E extends CheckEntity = CheckEntity> extends CheckServiceBase<E> {
  create(em: EntityManager, actor: Actor, input: never): Promise<E>;
  update(em: EntityManager, actor: Actor, id: string, input: never): Promise<E>;
  /** The rules a GraphQL type cannot state, for the input validation (src/graphql/validation.ts). */
  inputErrors(input: object, opts?: { targetGiven?: boolean }): FieldError[];
}

/** A kind's service class: every kind's service is built from the same dependencies (those of the base). */
export type KindServiceClass<E extends CheckEntity = CheckEntity> = new (...deps: ConstructorParameters<typeof CheckServiceBase>) => KindService<E>;

/**
 * What every kind's service does alike: list, get, delete, pause and resume, all scoped by the organization, so
 * another organization's id is NOT_FOUND. Each kind adds its own create, update and input rules.
 */
export abstract class CheckServiceBase<E extends CheckEntity> {
  protected abstract readonly kind: CheckKind<E>;

  constructor(
    protected readonly billing: BillingService,
    protected readonly locations: LocationService,
    protected readonly now: () => Date,
    /** Credential header values are stored sealed; plaintext only in memory, while they are used. */
    protected readonly secrets: SecretBox,
    /** ALLOW_PRIVATE_TARGETS: whether a target URL may name a private, loopback or link-local host. */
    protected readonly allowPrivateTargets = false,
    /** A status a person changes (pause, resume) is told to `checkStatusChanged` subscribers (live/). */
    protected readonly live?: LivePublisher,
  ) {}

  /** A page of the organization's checks of this kind; with `columns`, only those properties are read (see `paginate`). */
  list(em: EntityManager, organizationId: string, args: CheckListArgs, columns?: PageColumns): Promise<Page<E>> {
    const where = {
      organization: organizationId,
      ...(args.status ? { status: args.status } : {}),
      ...(args.tag ? { tags: { $contains: [args.tag] } } : {}), // tags @> '{tag}': the GIN index serves it
    };
    return paginate(em, this.kind.entity, where as FilterQuery<E>, 'createdAt' as EntityKey<E>, args, columns);
  }

  async get(em: EntityManager, organizationId: string, id: string): Promise<E> {
    const check = await em.findOne(this.kind.entity, { id, organization: organizationId } as FilterQuery<E>);
    if (!check) throw notFound(this.kind.label);
    return check;
  }

  /**
   * Creates a check in one transaction under the organization's lock, so two creates cannot both take the plan's
   * last slot. `prepare` applies the kind's own rules and seals its credentials; then the plan's and the locations'
   * rules. Nothing is written unless every rule holds. The check is two rows, written together: its kind's, and
   * its `checks` row (same id), which the runs, rollups, alerts and the rest reference.
   */
  protected createChecked(em: EntityManager, actor: Actor, fields: object, prepare: (check: E) => void): Promise<E> {
    const { organizationId } = actor;
    return em.transactional(async (tx) => {
      await this.billing.lockOrganization(tx, organizationId);
      const check = tx.create(this.kind.entity, {
        organization: tx.getReference(Organization, organizationId),
        ...fields,
        createdAt: this.now(),
        updatedAt: this.now(),
        nextRunAt: this.now(),
      } as never, { persist: false }) as E;
      check.status = check.paused ? 'PAUSED' : 'PENDING';
      prepare(check);
      await this.billing.assertCanCreate(tx, organizationId, this.kind);
      await this.billing.assertInterval(tx, organizationId, check.intervalSeconds);
      await checkLocations(tx, this.locations, check);
      await this.billing.assertLocations(tx, organizationId, check.locations.length);
      await checkEscalationPolicy(tx, organizationId, check);
      tx.persist(check); // only now: nothing is written unless every rule holds
      tx.persist(tx.create(CheckRow, { id: check.id, organization: organizationId, kind: this.kind.name }, { persist: false }));
      audit(tx, actor, this.action('created'), check.id, this.now());
      return check;
    });
  }

  /**
   * The end of an update, once the kind applied the patch and its own rules: the plan's and the locations' rules for
   * what the patch changed, then the audit events (the fields that differ from `before`, compared with `after`;
   * pause or resume) and the flush.
   */
  protected async finishUpdate(
    em: EntityManager,
    actor: Actor,
    check: E,
    patch: ScheduleInput,
    { before, after, wasPaused, wasStatus }: { before: Record<string, unknown>; after: () => Record<string, unknown>; wasPaused: boolean; wasStatus?: string },
  ): Promise<E> {
    if (patch.intervalSeconds !== undefined) await this.billing.assertInterval(em, actor.organizationId, check.intervalSeconds);
    if (patch.locations !== undefined || patch.minFailedLocations !== undefined) {
      await checkLocations(em, this.locations, check);
      await this.billing.assertLocations(em, actor.organizationId, check.locations.length);
    }
    if (patch.escalationPolicyId !== undefined) await checkEscalationPolicy(em, actor.organizationId, check);
    check.updatedAt = this.now();
    const changed = changedFields(before, after());
    if (changed.length) audit(em, actor, this.action('updated'), check.id, this.now(), changed);
    if (check.paused !== wasPaused) audit(em, actor, this.action(check.paused ? 'paused' : 'resumed'), check.id, this.now());
    await em.flush();
    // `paused` given to an update moves the status as pause/resume do: told to checkStatusChanged the same way
    await this.tellStatus(em, check, wasStatus);
    return check;
  }

  /**
   * Deletes both rows of the check in one flush (one transaction): its `checks` row takes its runs, rollups, alerts,
   * locations and session runs with it (on delete cascade).
   */
  async delete(em: EntityManager, actor: Actor, id: string): Promise<string> {
    em.remove(await this.get(em, actor.organizationId, id));
    em.remove(em.getReference(CheckRow, id));
    audit(em, actor, this.action('deleted'), id, this.now());
    await em.flush();
    return id;
  }

  async setPaused(em: EntityManager, actor: Actor, id: string, paused: boolean): Promise<E> {
    const check = await this.get(em, actor.organizationId, id);
    // Pausing a paused check changes nothing worth an event (resuming an active one still moves it to its next phased slot).
    if (check.paused !== paused) audit(em, actor, this.action(paused ? 'paused' : 'resumed'), id, this.now());
    const previous = check.status;
    applyPaused(check, paused, this.now());
    check.updatedAt = this.now();
    await em.flush();
    await this.tellStatus(em, check, previous);
    return check;
  }

  /**
   * Once written, a status changed by a person (`pause…`, `resume…`, an update's `paused`) goes to `checkStatusChanged` subscribers, with no
   * run. A lost live update never fails the change: it is committed already.
   */
  private async tellStatus(em: EntityManager, check: E, previous: unknown): Promise<void> {
    if (!this.live || typeof previous !== 'string' || previous === check.status) return;
    const org = (check as unknown as { organization: { id: string } }).organization.id;
    await this.live.publish(em, [{ type: 'status', org, check: check.id, run: null, status: check.status, previous, at: this.now().getTime() }]).catch(() => {});
  }

  /** This kind's audit action (`monitor.updated`): every kind's actions are listed in audit/audit.ts. */
  protected action(verb: 'created' | 'updated' | 'deleted' | 'paused' | 'resumed'): AuditAction {
    return `${this.kind.name}.${verb}` as AuditAction;
  }
}
