import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError, badInput, notFound } from '../../errors';
import { assertSelectionScopes } from '../../authorization/selection-scopes';
import type { Principal } from '../auth/principal';
import type { Scope } from '../../authorization/scopes';
import { limitError, type BillingService, type QuotaExhausted } from '../billing/billing.service';
import { newId } from '../common/ids';
import { audit } from '../audit/audit';
import type { CheckJob } from '../runs/check-job';
import { CHECK_KINDS, kindOfCheckId, kindOfId } from '../checks/kinds/registry';
import { Organization } from '../organization/organization.entity';
import { totalTimeoutMs, type RunDispatcher } from '../runs/run.service';
import type { Check } from '../runs/run-recorder';
import { CheckSession, CheckSessionRun } from './check-session.entity';
import { CheckSessionStatus, MAX_SESSION_CHECKS, SessionRunStatus, type CheckSessionRunView, type CheckSessionView } from './check-session.types';

export interface CheckSessionDeps {
  billing: BillingService;
  dispatcher: RunDispatcher;
  now: () => Date;
  /** As for manual runs: added to a check's whole timeout for its lease in the queue (s). */
  leaseMarginSeconds: number;
  /** JOURNEY_MAX_DURATION_MS: bounds a journey's whole timeout. */
  journeyMaxDurationMs: number;
}

export interface TriggerInput {
  checkIds?: string[] | null;
  tags?: string[] | null;
  location?: string | null;
}

type Selected = Check;

/**
 * A session waits for its runs at most this many times the longest run's lease: manual jobs are retried twice by the
 * queue (a worker that died), and a session's checks share the location's workers.
 */
const DEADLINE_LEASES = 3;

/**
 * Check sessions (a CI step's "run these checks and tell me"): `trigger` selects checks by id and tag, admits one run
 * each against the quota, enqueues them with a manual run's priority and answers at once; `get` reads how they went.
 */
export class CheckSessionService {
  constructor(private readonly deps: CheckSessionDeps) {}

  /** The session, its runs' admission and its audit event (`check_session.triggered`) are written together. */
  async trigger(em: EntityManager, principal: Principal, ip: string | null, input: TriggerInput): Promise<CheckSessionView> {
    const organizationId = principal.organizationId;
    const ids = input.checkIds ?? [];
    const tags = input.tags ?? [];
    if (!ids.length && !tags.length) throw badInput([{ field: 'checkIds', message: 'give checkIds or tags (or both): nothing is selected' }]);
    const selected = await this.select(em, organizationId, ids, tags);
    if (!selected.length) throw badInput([{ field: 'tags', message: `no monitor or journey that is not paused has the tag${tags.length > 1 ? 's' : ''} ${tags.join(', ')}` }]);
    if (selected.length > MAX_SESSION_CHECKS)
      throw badInput([{ field: 'tags', message: `select ${selected.length} checks; a session runs at most ${MAX_SESSION_CHECKS}` }]);
    assertSelectionScopes(principal, neededScopes(selected.map((s) => s.kind)), 'triggerChecks');

    const wrongPlace = input.location ? selected.filter((s) => !s.entity.locations.includes(input.location!)) : [];
    if (wrongPlace.length)
      throw badInput([{ field: 'location', message: `is not a location of ${wrongPlace.map((s) => s.entity.id).join(', ')}` }]);
    const placed = selected.map((s) => ({ ...s, location: input.location ?? s.entity.locations[0] }));
    for (const where of new Set(placed.map((p) => p.location)))
      if ((await this.deps.dispatcher.liveWorkers(em, where)) === 0)
        throw new AppError('SERVICE_UNAVAILABLE', `No worker is running in location "${where}"; start one with LOCATION=${where} npm run worker`, { location: where }, { 'retry-after': '5' });

    const now = this.deps.now();
    const waits = placed.map((p) => totalTimeoutMs(p, this.deps.journeyMaxDurationMs) + this.deps.leaseMarginSeconds * 1000);
    const session = em.create(CheckSession, {
      organization: em.getReference(Organization, organizationId),
      createdBy: principal.keyId,
      location: input.location ?? null,
      tags,
      createdAt: now,
      deadlineAt: new Date(now.getTime() + DEADLINE_LEASES * Math.max(...waits)),
    }, { persist: false });
    const items = placed.map((p, position) =>
      em.create(CheckSessionRun, {
        runId: newId('run'),
        session,
        position,
        check: p.entity.id,
        name: p.entity.name,
        location: p.location,
      }, { persist: false }),
    );
    try {
      // Every run is admitted, and the session written, or none: a quota that runs out halfway takes nothing.
      await em.transactional(async (tx) => {
        for (let i = 0; i < items.length; i++) await this.deps.billing.reserveRunOrThrow(tx, organizationId);
        tx.persist([session, ...items]);
        audit(tx, { ...principal, ip }, 'check_session.triggered', session.id, this.deps.now());
      });
    } catch (e) {
      if (!(e instanceof AppError && e.code === 'PLAN_LIMIT_EXCEEDED')) throw e;
      // The quota alert the refusal opened was rolled back with the rest: opened again outside, if the month really
      // is used up (a session larger than what is left uses up nothing).
      const { plan, limit } = e.details as unknown as QuotaExhausted;
      await this.deps.billing.quotaExhausted(em, organizationId, { plan, limit, used: limit });
      throw limitError(organizationId, `The ${plan} plan's ${limit} runs a month leave no room for this session's ${items.length} runs`, {
        plan,
        limit,
        needed: items.length,
      }, (l) => l.runsPerMonth === null || l.runsPerMonth > limit);
    }
    // After the commit: a worker must find the session's row when it records the run. Nothing here waits for a run.
    for (let i = 0; i < placed.length; i++) {
      const p = placed[i];
      const job: CheckJob = { kind: p.kind, checkId: p.entity.id, organizationId, location: p.location, scheduledAt: null, runId: items[i].runId, trigger: 'MANUAL', admitted: true, triggeredBy: principal.keyId };
      await this.deps.dispatcher.dispatch(job, Math.ceil(waits[i] / 1000));
    }
    return this.get(em, principal, session.id);
  }

  async get(em: EntityManager, principal: Principal, id: string): Promise<CheckSessionView> {
    const session = await em.findOne(CheckSession, { id, organization: principal.organizationId });
    if (!session) throw notFound('Check session');
    const rows = await em.getConnection().execute<RunRow[]>(
      `select i.run_id, i.check_id, i.name, i.location,
              r.status, r.response_status, r.duration_ms, r.error, r.finished_at
         from check_session_runs i left join runs r on r.id = i.run_id
        where i.session_id = ? order by i.position`,
      [session.id],
      'all',
      em.getTransactionContext(),
    );
    const checks = rows.map((r) => ({ kind: kindOfCheckId(r.check_id), id: r.check_id }));
    assertSelectionScopes(principal, neededScopes(checks.map((c) => c.kind.name)), 'checkSession');
    const overdue = this.deps.now().getTime() > session.deadlineAt.getTime();
    const runs = rows.map((r, i): CheckSessionRunView => ({
      runId: r.run_id,
      checkId: checks[i].id,
      checkType: checks[i].kind.enumValue,
      name: r.name,
      location: r.location,
      status: r.status ? (r.status as SessionRunStatus) : overdue ? SessionRunStatus.TIMED_OUT : SessionRunStatus.RUNNING,
      responseStatus: r.response_status,
      durationMs: r.duration_ms,
      error: r.status ? r.error : overdue ? 'No run was recorded before the session\'s deadline' : null,
      finishedAt: r.finished_at ? new Date(r.finished_at) : null,
    }));
    return {
      id: session.id,
      status: sessionStatus(runs.map((r) => r.status)),
      location: session.location,
      tags: session.tags,
      createdAt: session.createdAt,
      deadlineAt: session.deadlineAt,
      runs,
    };
  }

  /** The checks given by id (each must exist in the organization), then the active ones with any of the tags. */
  private async select(em: EntityManager, organizationId: string, ids: string[], tags: string[]): Promise<Selected[]> {
    const found = await Promise.all(
      CHECK_KINDS.map(async (kind) => {
        const own = ids.filter((i) => kindOfId(i)?.name === kind.name);
        const rows = own.length ? await em.find(kind.entity, { id: { $in: own }, organization: organizationId } as never) : [];
        return rows.map((entity): Selected => ({ kind: kind.name, entity }));
      }),
    );
    const byId = new Map<string, Selected>(found.flat().map((s) => [s.entity.id, s]));
    const unknown = ids.find((i) => !byId.has(i));
    // An id of no kind's prefix is named as a journey, as before kinds were listed.
    if (unknown) throw notFound(`${(kindOfId(unknown) ?? CHECK_KINDS[CHECK_KINDS.length - 1]).label} ${unknown}`);
    const selected = ids.map((i) => byId.get(i)!);
    if (tags.length) {
      const tagged = { organization: organizationId, paused: false, tags: { $overlap: tags } };
      const order = { orderBy: { createdAt: 'asc', id: 'asc' } } as const;
      for (const kind of CHECK_KINDS)
        for (const entity of await em.find(kind.entity, tagged as never, order as never))
          if (!byId.has(entity.id)) selected.push({ kind: kind.name, entity });
    }
    return selected;
  }
}

interface RunRow {
  run_id: string;
  check_id: string;
  name: string;
  location: string;
  status: string | null;
  response_status: number | null;
  duration_ms: number | null;
  error: string | null;
  finished_at: Date | string | null;
}

/** Each selected kind's run scope, once, in the registry's order. */
function neededScopes(kinds: string[]): Scope[] {
  return CHECK_KINDS.filter((k) => kinds.includes(k.name)).map((k) => k.scopes.run);
}

/** RUNNING while any run is; then PASSED only if every run passed. */
export function sessionStatus(runs: SessionRunStatus[]): CheckSessionStatus {
  if (runs.some((s) => s === SessionRunStatus.RUNNING)) return CheckSessionStatus.RUNNING;
  return runs.every((s) => s === SessionRunStatus.PASSED) ? CheckSessionStatus.PASSED : CheckSessionStatus.FAILED;
}
