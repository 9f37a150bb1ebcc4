import type { EntityManager } from '@mikro-orm/postgresql';
import type { FastifyBaseLogger } from 'fastify';
import { badInput, notFound } from '../../errors';
import type { HttpClientOptions } from '../checks/http-client';
import type { SecretBox } from '../checks/secret-box';
import { paginate, type Page, type PageArgs } from '../common/pagination';
import type { AlertService, AlertSource } from '../alerts/alert.service';
import type { BillingService } from '../billing/billing.service';
import { Monitor } from '../monitors/monitor.entity';
import { Journey, mapStepHeaders } from '../journeys/journey.entity';
import { Organization } from '../organization/organization.entity';
import { checkJourney, checkMonitor, type CheckOutcome } from './check-runner';
import { Run, type RunTrigger } from './run.entity';

export interface RunServiceDeps {
  billing: BillingService;
  alerts: AlertService;
  http: HttpClientOptions;
  secrets: SecretBox;
  now: () => Date;
  log: FastifyBaseLogger;
}

/** Performs checks for real, records their runs, and feeds the outcome to status and alerts. */
export class RunService {
  constructor(private readonly deps: RunServiceDeps) {}

  async runMonitor(em: EntityManager, organizationId: string, monitorId: string, trigger: RunTrigger): Promise<Run> {
    const monitor = await em.findOne(Monitor, { id: monitorId, organization: organizationId });
    if (!monitor) throw notFound('Monitor');
    await this.deps.billing.assertCanRun(em, organizationId);
    if (this.deps.secrets.hasPlaintext(monitor.headers))
      await this.sealLegacy(em, 'monitors', 'headers', monitor.id, monitor.headers, () => this.deps.secrets.reseal(monitor.headers));
    const source = { kind: 'monitor', id: monitor.id, organizationId, name: monitor.name, failureThreshold: monitor.failureThreshold } as const;
    return this.record(em, source, { monitor }, trigger, () => checkMonitor(monitor, this.deps.http, this.deps.secrets));
  }

  async runJourney(em: EntityManager, organizationId: string, journeyId: string, trigger: RunTrigger): Promise<Run> {
    const journey = await em.findOne(Journey, { id: journeyId, organization: organizationId });
    if (!journey) throw notFound('Journey');
    await this.deps.billing.assertCanRun(em, organizationId);
    if (journey.steps.some((s) => this.deps.secrets.hasPlaintext(s.request.headers)))
      await this.sealLegacy(em, 'journeys', 'steps', journey.id, journey.steps, () => mapStepHeaders(journey.steps, (h) => this.deps.secrets.reseal(h)));
    const source = { kind: 'journey', id: journey.id, organizationId, name: journey.name, failureThreshold: journey.failureThreshold } as const;
    return this.record(em, source, { journey }, trigger, () => checkJourney(journey, this.deps.http, this.deps.secrets));
  }

  list(em: EntityManager, organizationId: string, args: PageArgs & { monitorId?: string | null; journeyId?: string | null }): Promise<Page<Run>> {
    if (!!args.monitorId === !!args.journeyId) throw badInput([{ field: 'monitorId', message: 'give exactly one of monitorId and journeyId' }]);
    const where = { organization: organizationId, ...(args.monitorId ? { monitor: args.monitorId } : { journey: args.journeyId! }) };
    return paginate(em, Run, where, 'startedAt', args);
  }

  async get(em: EntityManager, organizationId: string, id: string): Promise<Run> {
    const run = await em.findOne(Run, { id, organization: organizationId });
    if (!run) throw notFound('Run');
    return run;
  }

  /**
   * A row stored before encryption at rest is sealed by its first run, so active checks do not keep plaintext
   * credentials until someone edits them. Only if the column still holds what this run read: an update that
   * landed meanwhile wins, and seals its own values.
   */
  private async sealLegacy(em: EntityManager, table: 'monitors' | 'journeys', column: 'headers' | 'steps', id: string, read: unknown, seal: () => unknown) {
    try {
      await em
        .getConnection()
        .execute(`update "${table}" set "${column}" = ?::jsonb where "id" = ? and "${column}" = ?::jsonb`, [JSON.stringify(seal()), id, JSON.stringify(read)]);
    } catch (e) {
      // Not this run's business: the check runs on what was read (and says so if a value cannot be decrypted).
      this.deps.log.warn({ id, err: (e as Error).message }, 'could not encrypt stored credential headers');
    }
  }

  /**
   * Runs the check (outside any transaction: it may take seconds), then writes the run and applies it to the
   * source's status, failure count and alert in ONE transaction: a run is never stored without its effect on the
   * status and alerts, nor the other way round.
   */
  private async record(
    em: EntityManager,
    source: AlertSource,
    target: { monitor?: Monitor; journey?: Journey },
    trigger: RunTrigger,
    check: () => Promise<CheckOutcome>,
  ): Promise<Run> {
    const startedAt = this.deps.now();
    let outcome: CheckOutcome;
    try {
      outcome = await check();
    } catch (e) {
      // A bug in tracer, not the target's fault: recorded as ERROR, which neither opens nor resolves alerts.
      this.deps.log.error({ err: (e as Error).message, monitorId: target.monitor?.id, journeyId: target.journey?.id }, 'check crashed');
      outcome = { status: 'ERROR', responseStatus: null, timings: null, assertions: [], steps: null, error: 'The check could not be run' };
    }
    const finishedAt = this.deps.now();
    return em.transactional(async (tx) => {
      const run = tx.create(Run, {
        organization: tx.getReference(Organization, source.organizationId),
        monitor: target.monitor ? tx.getReference(Monitor, target.monitor.id) : null,
        journey: target.journey ? tx.getReference(Journey, target.journey.id) : null,
        trigger,
        startedAt,
        finishedAt,
        durationMs: Math.max(0, finishedAt.getTime() - startedAt.getTime()),
        ...outcome,
      });
      await tx.flush();
      await this.deps.alerts.recordOutcome(tx, source, run);
      return run;
    });
  }
}
