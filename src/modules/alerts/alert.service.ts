import type { EntityManager } from '@mikro-orm/postgresql';
import { conflict, notFound } from '../../errors';
import { paginate, type Page, type PageArgs } from '../common/pagination';
import { newId } from '../common/ids';
import { audit, type Actor } from '../audit/audit';
import { Alert, type AlertStatus } from './alert.entity';
import type { RunStatus } from '../runs/run.entity';

export interface AlertSource {
  kind: 'monitor' | 'journey';
  id: string;
  organizationId: string;
  name: string;
  failureThreshold: number;
}

/**
 * Alerts open when a source fails failureThreshold runs in a row and resolve on its first passing run. The counter
 * and the "one unresolved alert per source" rule live in single SQL statements and a partial unique index, so
 * concurrent runs (two scheduler instances, a manual run during a scheduled one) cannot double-count or open two.
 */
export class AlertService {
  constructor(private readonly now: () => Date) {}

  /** Applies a finished run to its source's status, failure count and alert. ERROR runs change nothing. */
  async recordOutcome(em: EntityManager, source: AlertSource, run: { status: RunStatus; error: string | null; finishedAt: Date }): Promise<void> {
    if (run.status === 'ERROR') return;
    const failed = run.status === 'FAILED';
    const table = source.kind === 'monitor' ? 'monitors' : 'journeys';
    const conn = em.getConnection();
    const ctx = em.getTransactionContext();
    const rows = await conn.execute<{ consecutive_failures: number }[]>(
      `update "${table}" set
         consecutive_failures = case when ? then consecutive_failures + 1 else 0 end,
         status = case when paused then 'PAUSED' when ? then 'DOWN' else 'UP' end,
         last_run_at = ?
       where id = ? returning consecutive_failures`,
      [failed, failed, run.finishedAt, source.id],
      'all',
      ctx,
    );
    if (!rows.length) return; // deleted while it ran
    const column = source.kind === 'monitor' ? 'monitor_id' : 'journey_id';
    if (failed && rows[0].consecutive_failures >= source.failureThreshold) {
      await conn.execute(
        `insert into alerts (id, organization_id, ${column}, source_name, cause, status, opened_at)
         values (?, ?, ?, ?, ?, 'OPEN', ?)
         on conflict (${column}) where status <> 'RESOLVED' do nothing`,
        [newId('alr'), source.organizationId, source.id, source.name, `${rows[0].consecutive_failures} failed runs in a row: ${run.error ?? 'failed'}`, run.finishedAt],
        'run',
        ctx,
      );
    } else if (!failed) {
      await conn.execute(
        `update alerts set status = 'RESOLVED', resolved_at = ?, resolved_by = 'system', resolved_by_name = 'system'
          where ${column} = ? and status <> 'RESOLVED'`,
        [run.finishedAt, source.id],
        'run',
        ctx,
      );
    }
  }

  list(em: EntityManager, organizationId: string, args: PageArgs & { status?: AlertStatus | null }): Promise<Page<Alert>> {
    const where = { organization: organizationId, ...(args.status ? { status: args.status } : {}) };
    return paginate(em, Alert, where, 'openedAt', args);
  }

  async get(em: EntityManager, organizationId: string, id: string): Promise<Alert> {
    const alert = await em.findOne(Alert, { id, organization: organizationId });
    if (!alert) throw notFound('Alert');
    return alert;
  }

  /** OPEN → ACKNOWLEDGED (again: unchanged). A resolved alert cannot be acknowledged: CONFLICT. */
  async acknowledge(em: EntityManager, actor: Actor, id: string): Promise<Alert> {
    return em.transactional(async (tx) => {
      const alert = await this.get(tx, actor.organizationId, id);
      if (alert.status === 'RESOLVED') throw conflict('The alert is already resolved');
      if (alert.status === 'OPEN') {
        const changed = await tx.nativeUpdate(
          Alert,
          { id, status: 'OPEN' },
          { status: 'ACKNOWLEDGED', acknowledgedAt: this.now(), acknowledgedBy: actor.keyId, acknowledgedByName: actor.name },
        );
        if (!changed) return this.acknowledgeRaced(tx, actor, id);
        audit(tx, actor, 'alert.acknowledged', id, this.now());
        await tx.refresh(alert);
      }
      return alert;
    });
  }

  /** OPEN or ACKNOWLEDGED → RESOLVED by this key. Resolving twice: CONFLICT. */
  async resolve(em: EntityManager, actor: Actor, id: string): Promise<Alert> {
    return em.transactional(async (tx) => {
      const alert = await this.get(tx, actor.organizationId, id);
      const changed = await tx.nativeUpdate(
        Alert,
        { id, organization: actor.organizationId, status: { $ne: 'RESOLVED' } },
        { status: 'RESOLVED', resolvedAt: this.now(), resolvedBy: actor.keyId, resolvedByName: actor.name },
      );
      if (!changed) throw conflict('The alert is already resolved');
      audit(tx, actor, 'alert.resolved', id, this.now());
      await tx.refresh(alert);
      return alert;
    });
  }

  private async acknowledgeRaced(em: EntityManager, actor: Actor, id: string): Promise<Alert> {
    const fresh = await em.refresh(await this.get(em, actor.organizationId, id));
    if (!fresh || fresh.status === 'RESOLVED') throw conflict('The alert is already resolved');
    return fresh;
  }
}
