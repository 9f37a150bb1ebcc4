import type PgBoss from 'pg-boss';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../../db/database';
import type { RunDispatcher } from '../runs/run.service';
import type { CheckJob } from '../runs/check-job';
import { LocationService, WorkerHeartbeat } from '../locations/location.service';
import type { Consumer } from '../queue/consumer';
import { jobId } from '../queue/job-id';
import { CheckWorker, type CheckJobRunner } from './check-worker';
import { SlotScheduler } from './scheduler';
import { MaintenanceJob, type MaintenanceTask } from './maintenance';
import { ensureQueue, queueName } from './queue';

export interface EngineOptions {
  /** Run checks in this process (a worker): `WORKER`. */
  worker: boolean;
  /** Also enqueue due slots (any number of processes may): `SCHEDULING`. */
  scheduling: boolean;
  location: string;
  concurrency: number;
  /** WORKER_ORG_SHARE: the largest fraction of a location's slots one organization may hold. */
  orgShare: number;
  /** WORKER_RESERVED_SHARE: the fraction of a location's slots kept for organizations holding none. */
  reservedShare: number;
  pollMs: number;
  tickMs: number;
  leaseMarginSeconds: number;
  heartbeatMs: number;
  /** JOURNEY_MAX_DURATION_MS: bounds a journey's lease. */
  journeyMaxDurationMs: number;
  /** MAINTENANCE_INTERVAL_MINUTES, in milliseconds. */
  maintenanceIntervalMs: number;
}

/** Manual runs go first, within their organization's share of the location (fair-share.ts). */
const MANUAL_PRIORITY = 10;

/**
 * The check engine of one process (docs/explanation/check-engine.md): the job queue every role needs (an API instance
 * enqueues manual runs), and for a worker its location's check consumer, the other consumers it is given
 * (notifications: any location takes their jobs), its heartbeat and the slot scheduler. It starts and stops them; it
 * builds only its location's check worker, whose runner exists once the engine does (the runner dispatches through it).
 */
export class Engine implements RunDispatcher {
  worker: CheckWorker | undefined;
  scheduler: SlotScheduler | undefined;
  /** The periodic maintenance job (partitions ahead, retention), offered by scheduling workers. */
  maintenance: MaintenanceJob | undefined;
  readonly locations: LocationService;
  private heartbeat: WorkerHeartbeat | undefined;
  private readonly queues = new Set<string>();

  constructor(
    readonly boss: PgBoss,
    private readonly database: Database,
    private readonly log: FastifyBaseLogger,
    readonly opts: EngineOptions,
    /** Started and stopped with the worker role. */
    readonly consumers: readonly Consumer[] = [],
  ) {
    this.locations = new LocationService(opts.heartbeatMs * 3);
  }

  /** Starts this process's worker role (and scheduler), given what runs a check job. */
  async startWorker(runner: CheckJobRunner, maintenance?: MaintenanceTask): Promise<void> {
    const { orm } = this.database;
    if (this.opts.worker) {
      this.heartbeat = new WorkerHeartbeat(orm, this.log, this.opts.location, this.opts.heartbeatMs);
      await this.heartbeat.start();
      this.worker = new CheckWorker(this.boss, orm, runner, this.log, {
        location: this.opts.location,
        concurrency: this.opts.concurrency,
        pollMs: this.opts.pollMs,
        orgShare: this.opts.orgShare,
        reservedShare: this.opts.reservedShare,
        liveWindowSeconds: (this.opts.heartbeatMs * 3) / 1000, // live for three heartbeats, as LocationService counts
      });
      await this.worker.start();
      for (const consumer of this.consumers) await consumer.start();
      this.log.info({ location: this.opts.location, workerId: this.heartbeat.id, concurrency: this.opts.concurrency }, 'worker started');
    }
    if (this.opts.worker && this.opts.scheduling) {
      this.scheduler = new SlotScheduler(orm, this.boss, this.log, {
        tickMs: this.opts.tickMs,
        lookaheadMs: Math.min(this.opts.tickMs, 2000),
        leaseMarginSeconds: this.opts.leaseMarginSeconds,
        journeyMaxDurationMs: this.opts.journeyMaxDurationMs,
        batch: 500,
      });
      this.scheduler.start();
      // Scheduling workers also offer the maintenance job; the queue lets one of them run each period.
      if (maintenance) {
        this.maintenance = new MaintenanceJob(this.boss, orm, this.log, maintenance, { intervalMs: this.opts.maintenanceIntervalMs, now: () => new Date() });
        this.maintenance.start();
      }
    }
  }

  async dispatch(job: CheckJob, leaseSeconds: number): Promise<void> {
    const name = await ensureQueue(this.boss, job.location, this.queues);
    await this.boss.send(name, job, {
      id: manualJobId(job),
      priority: MANUAL_PRIORITY,
      expireInSeconds: leaseSeconds,
      retryLimit: 2,
      retryDelay: 1,
      // Its caller waits about a lease; after that nobody does, and a job not yet started is dropped.
      retentionSeconds: 2 * leaseSeconds,
    });
    if (this.worker?.location === job.location) this.worker.nudge();
  }

  async cancel(job: CheckJob): Promise<void> {
    await this.boss.cancel(queueName(job.location), manualJobId(job));
  }

  async liveWorkers(em: EntityManager, location: string): Promise<number> {
    if (this.worker?.location === location) return 1; // this very process serves it
    return this.locations.liveWorkers(em, location);
  }

  /** Stops scheduling, lets running checks finish within `deadlineMs` (handing back the rest), then the queue. */
  async stop(deadlineMs: number): Promise<void> {
    await this.scheduler?.stop();
    await this.maintenance?.stop();
    await Promise.all([this.worker?.stop(deadlineMs), ...(this.opts.worker ? this.consumers.map((c) => c.stop(deadlineMs)) : [])]);
    await this.heartbeat?.stop();
    if (this.heartbeat) this.log.info({ location: this.opts.location, workerId: this.heartbeat.id }, 'worker stopped');
    await this.boss.stop({ graceful: false, close: true, wait: true, timeout: 1000 }).catch(() => {});
  }
}

const manualJobId = (job: CheckJob) => jobId(job.checkId, job.location, job.runId);
