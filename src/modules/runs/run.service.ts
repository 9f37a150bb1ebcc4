import type { EntityManager } from '@mikro-orm/postgresql';
import type { FastifyBaseLogger } from 'fastify';
import { badInput, notFound } from '../../errors';
import type { HttpClientOptions } from '../checks/http-client';
import { paginate, type Page, type PageArgs } from '../common/pagination';
import type { AlertService, AlertSource } from '../alerts/alert.service';
import type { BillingService } from '../billing/billing.service';
import { Monitor } from '../monitors/monitor.entity';
import { Journey } from '../journeys/journey.entity';
import { Organization } from '../organization/organization.entity';
import { checkJourney, checkMonitor, type CheckOutcome } from './check-runner';
import { Run, type RunTrigger } from './run.entity';

export interface RunServiceDeps {
  billing: BillingService;
  alerts: AlertService;
  http: HttpClientOptions;
  now: () => Date;
  log: FastifyBaseLogger;
}

/** Performs checks for real, records their runs, and feeds the outcome to status and alerts. */
export class RunService {
  constructor(private readonly deps: RunServiceDeps) {}

  async runMonitor(em: EntityManager, organizationId: string, monitorId: string, trigger: RunTrigger): Promise<Run> {
    const monitor = await em.findOne(Monitor, { id: monitorId, organization: organizationId });
    if (!monitor) throw notFound('Monitor');
    // The reservation is the admission (one upsert of the month's counter, before the check): a run that then
    // crashes before it is recorded still counted, which is the safe side of the allowance.
    await this.deps.billing.reserveRunOrThrow(em, organizationId);
    const source = { kind: 'monitor', id: monitor.id, organizationId, name: monitor.name, failureThreshold: monitor.failureThreshold } as const;
    return this.record(em, source, { monitor }, trigger, () => checkMonitor(monitor, this.deps.http));
  }

  async runJourney(em: EntityManager, organizationId: string, journeyId: string, trigger: RunTrigger): Promise<Run> {
    const journey = await em.findOne(Journey, { id: journeyId, organization: organizationId });
    if (!journey) throw notFound('Journey');
    await this.deps.billing.reserveRunOrThrow(em, organizationId); // admission, as in runMonitor
    const source = { kind: 'journey', id: journey.id, organizationId, name: journey.name, failureThreshold: journey.failureThreshold } as const;
    return this.record(em, source, { journey }, trigger, () => checkJourney(journey, this.deps.http));
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
