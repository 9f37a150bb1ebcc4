import type { EntityManager } from '@mikro-orm/postgresql';
import { badInput, notFound, type FieldError } from '../../errors';
import { checkAssertions, checkExpectedStatus, checkUrl } from '../checks/check-rules';
import { unmaskHeaders } from '../checks/secrets';
import type { SecretBox } from '../checks/secret-box';
import { carriedCredentials, mustGiveAgain, originChanges } from '../checks/credential-origin';
import type { Assertion, Header } from '../checks/check.types';
import { paginate, type Page, type PageArgs, type PageColumns } from '../common/pagination';
import { defined } from '../common/defined';
import type { BillingService } from '../billing/billing.service';
import type { LocationService } from '../locations/location.service';
import { Organization } from '../organization/organization.entity';
import { Monitor } from './monitor.entity';
import { audit, changedFields, type Actor } from '../audit/audit';
import { checkLocations, applyInterval, applyPaused, type CheckStatus, type ScheduleInput } from '../checks/scheduled-check';

export interface MonitorInput extends ScheduleInput {
  name?: string | null;
  url?: string | null;
  method?: string | null;
  headers?: Header[] | null;
  body?: string | null;
  expectedStatusCodes?: string[] | null;
  assertions?: Assertion[] | null;
}

/** Monitors of one organization: every query is scoped by it, so another organization's id is NOT_FOUND. */
export class MonitorService {
  constructor(
    private readonly billing: BillingService,
    private readonly locations: LocationService,
    private readonly now: () => Date,
    /** Credential header values are stored sealed; plaintext only in memory, while they are used. */
    private readonly secrets: SecretBox,
    /** ALLOW_PRIVATE_TARGETS: whether a URL may name a private, loopback or link-local host. */
    private readonly allowPrivateTargets = false,
  ) {}

  /** A page of the organization's monitors; with `columns`, only those properties are read (see `paginate`). */
  list(em: EntityManager, organizationId: string, args: PageArgs & { status?: CheckStatus | null; tag?: string | null }, columns?: PageColumns): Promise<Page<Monitor>> {
    const where = {
      organization: organizationId,
      ...(args.status ? { status: args.status } : {}),
      ...(args.tag ? { tags: { $contains: [args.tag] } } : {}), // tags @> '{tag}': the GIN index serves it
    };
    return paginate(em, Monitor, where, 'createdAt', args, columns);
  }

  async get(em: EntityManager, organizationId: string, id: string): Promise<Monitor> {
    const monitor = await em.findOne(Monitor, { id, organization: organizationId });
    if (!monitor) throw notFound('Monitor');
    return monitor;
  }

  async create(em: EntityManager, actor: Actor, input: MonitorInput & { name: string; url: string }): Promise<Monitor> {
    const { organizationId } = actor;
    return em.transactional(async (tx) => {
      await this.billing.lockOrganization(tx, organizationId);
      const monitor = tx.create(Monitor, {
        organization: tx.getReference(Organization, organizationId),
        ...defined(input),
        createdAt: this.now(),
        updatedAt: this.now(),
        nextRunAt: this.now(),
      } as never, { persist: false }) as Monitor;
      monitor.status = monitor.paused ? 'PAUSED' : 'PENDING';
      monitor.headers = this.secrets.sealHeaders(monitor.headers);
      this.validate(monitor);
      await this.billing.assertCanCreate(tx, organizationId, 'monitors');
      await this.billing.assertInterval(tx, organizationId, monitor.intervalSeconds);
      await checkLocations(tx, this.locations, monitor);
      await this.billing.assertLocations(tx, organizationId, monitor.locations.length);
      tx.persist(monitor); // only now: nothing is written unless every rule holds
      audit(tx, actor, 'monitor.created', monitor.id, this.now());
      return monitor;
    });
  }

  async update(em: EntityManager, actor: Actor, id: string, input: MonitorInput): Promise<Monitor> {
    const monitor = await this.get(em, actor.organizationId, id);
    const patch = defined(input);
    const errors: FieldError[] = [];
    if (patch.url && originChanges(monitor.url, patch.url)) {
      // Refused rather than dropped: a monitor whose credentials vanished would fail with no word of why.
      const carried = carriedCredentials(patch.headers, monitor.headers);
      if (carried.length) errors.push({ field: 'headers', message: mustGiveAgain(carried, monitor.url, patch.url) });
    }
    // `[masked]` keeps the stored value: decrypted here, sealed again with the rest. Rows from before encryption at
    // rest are sealed by any update.
    const storedHeaders = patch.headers ? this.secrets.openHeaders(monitor.headers) : monitor.headers;
    const headers = patch.headers ? unmaskHeaders(patch.headers, storedHeaders) : undefined;
    // The given fields as they are now; headers in clear, compared in memory (the event records only names).
    const { paused, ...given } = patch;
    const before = structuredClone(Object.fromEntries(Object.keys(given).map((f) => [f, f === 'headers' ? storedHeaders : monitor[f as keyof Monitor]])));
    const wasPaused = monitor.paused;
    if (headers) patch.headers = this.secrets.sealHeaders(headers);
    else if (this.secrets.hasPlaintext(monitor.headers)) patch.headers = this.secrets.reseal(monitor.headers);
    em.assign(monitor, patch);
    if (patch.intervalSeconds !== undefined) applyInterval(monitor, this.now());
    if (paused !== undefined) applyPaused(monitor, monitor.paused, this.now());
    this.validate(monitor, errors, { targetGiven: patch.url !== undefined });
    if (patch.intervalSeconds !== undefined) await this.billing.assertInterval(em, actor.organizationId, monitor.intervalSeconds);
    if (patch.locations !== undefined || patch.minFailedLocations !== undefined) {
      await checkLocations(em, this.locations, monitor);
      await this.billing.assertLocations(em, actor.organizationId, monitor.locations.length);
    }
    monitor.updatedAt = this.now();
    const changed = changedFields(before, { ...monitor, headers: headers ?? storedHeaders });
    if (changed.length) audit(em, actor, 'monitor.updated', id, this.now(), changed);
    if (monitor.paused !== wasPaused) audit(em, actor, monitor.paused ? 'monitor.paused' : 'monitor.resumed', id, this.now());
    await em.flush();
    return monitor;
  }

  async delete(em: EntityManager, actor: Actor, id: string): Promise<string> {
    const monitor = await this.get(em, actor.organizationId, id);
    em.remove(monitor);
    audit(em, actor, 'monitor.deleted', id, this.now());
    await em.flush();
    return id;
  }

  async setPaused(em: EntityManager, actor: Actor, id: string, paused: boolean): Promise<Monitor> {
    const monitor = await this.get(em, actor.organizationId, id);
    // Pausing a paused monitor changes nothing worth an event (resuming an active one still moves it to its next phased slot).
    if (monitor.paused !== paused) audit(em, actor, paused ? 'monitor.paused' : 'monitor.resumed', id, this.now());
    applyPaused(monitor, paused, this.now());
    monitor.updatedAt = this.now();
    await em.flush();
    return monitor;
  }

  /**
   * The rules a GraphQL type cannot state, on the fields given (an update gives some). `create` and `update` apply
   * them to the whole monitor; the input validation (src/graphql/validation.ts) applies them to the input when the
   * type's own constraints already failed, so one answer names every bad field.
   */
  inputErrors(m: Pick<MonitorInput, 'name' | 'url' | 'expectedStatusCodes' | 'assertions'>, { targetGiven = true } = {}): FieldError[] {
    // A stored private target (from before, or from while ALLOW_PRIVATE_TARGETS was on) does not block renaming
    // or pausing the monitor: it is judged when a URL is given, and its runs keep failing saying why.
    const allowPrivateTargets = this.allowPrivateTargets || !targetGiven;
    return [
      ...(m.name != null && !m.name.trim() ? [{ field: 'name', message: 'must not be blank' }] : []),
      ...(m.url != null ? checkUrl(m.url, 'url', { allowPrivateTargets }) : []),
      ...(m.expectedStatusCodes != null ? checkExpectedStatus(m.expectedStatusCodes, 'expectedStatusCodes') : []),
      ...(m.assertions != null ? checkAssertions(m.assertions, 'assertions') : []),
    ];
  }

  private validate(m: Monitor, earlier: FieldError[] = [], opts: { targetGiven?: boolean } = {}): void {
    const errors = [...earlier, ...this.inputErrors(m, opts)];
    if (errors.length) throw badInput(errors);
  }
}
