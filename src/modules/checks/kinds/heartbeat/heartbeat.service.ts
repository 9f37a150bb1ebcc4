import type { EntityManager } from '@mikro-orm/postgresql';
import { badInput, type FieldError } from '../../../../errors';
import { defined } from '../../../common/defined';
import { audit, type Actor } from '../../../audit/audit';
import { CheckServiceBase } from '../../check.service-base';
import { activeStatus } from '../../scheduled-check';
import { Heartbeat } from './heartbeat.entity';
import { heartbeatKind } from './heartbeat.kind';
import { cronError, deadlineAfter, isTimeZone } from './heartbeat-schedule';
import { hashPingToken, newPingToken } from './heartbeat-token';

export interface HeartbeatInput {
  name?: string | null;
  periodSeconds?: number | null;
  graceSeconds?: number | null;
  cron?: string | null;
  timezone?: string | null;
  failureThreshold?: number | null;
  paused?: boolean | null;
  tags?: string[] | null;
  /** An escalation policy's id; "" detaches (null keeps). */
  escalationPolicyId?: string | null;
}

/** A heartbeat with neither a period nor a cron expression is expected daily. */
const DEFAULT_PERIOD_SECONDS = 86_400;
const SCHEDULE_FIELDS = ['periodSeconds', 'cron', 'timezone', 'graceSeconds'] as const;

/**
 * Heartbeats of one organization (every query scoped by it: another organization's id is NOT_FOUND). The ping token
 * is stored as its SHA-256 (how a ping finds the row) and sealed with SECRETS_KEY (so `pingUrl` can be shown again).
 */
export class HeartbeatService extends CheckServiceBase<Heartbeat> {
  protected readonly kind = heartbeatKind;

  create(em: EntityManager, actor: Actor, input: HeartbeatInput & { name: string }): Promise<Heartbeat> {
    const fields = defined(input);
    if (fields.periodSeconds == null && fields.cron == null) fields.periodSeconds = DEFAULT_PERIOD_SECONDS;
    return this.createChecked(em, actor, fields, (h) => {
      this.validate(h);
      this.setToken(h);
      h.nextDeadlineAt = deadlineAfter(h, this.now());
    });
  }

  async update(em: EntityManager, actor: Actor, id: string, input: HeartbeatInput): Promise<Heartbeat> {
    const h = await this.get(em, actor.organizationId, id);
    const patch: HeartbeatInput = defined(input);
    // One of the two says when: giving one clears the other.
    if (patch.cron != null && patch.periodSeconds === undefined) patch.periodSeconds = null;
    if (patch.periodSeconds != null && patch.cron === undefined) patch.cron = null;
    const { paused, ...given } = patch;
    const before = structuredClone(Object.fromEntries(Object.keys(given).map((f) => [f, h[f as keyof Heartbeat]])));
    const wasPaused = h.paused;
    const wasStatus = h.status;
    em.assign(h, patch);
    this.validate(h);
    if (paused !== undefined) h.status = h.paused ? 'PAUSED' : activeStatus(h);
    if (SCHEDULE_FIELDS.some((f) => patch[f] !== undefined) || (wasPaused && !h.paused)) h.nextDeadlineAt = deadlineAfter(h, this.now());
    return this.finishUpdate(em, actor, h, { escalationPolicyId: patch.escalationPolicyId }, { before, after: () => ({ ...h }), wasPaused, wasStatus });
  }

  /** Resuming counts the deadline from now: the time spent paused is not late. */
  override async setPaused(em: EntityManager, actor: Actor, id: string, paused: boolean): Promise<Heartbeat> {
    const h = await super.setPaused(em, actor, id, paused);
    if (!paused) {
      h.nextDeadlineAt = deadlineAfter(h, this.now());
      await em.flush();
    }
    return h;
  }

  /** A new ping token: the old URL answers 404 from this commit on. */
  async rotateToken(em: EntityManager, actor: Actor, id: string): Promise<Heartbeat> {
    const h = await this.get(em, actor.organizationId, id);
    this.setToken(h);
    h.updatedAt = this.now();
    audit(em, actor, 'heartbeat.token_rotated', id, this.now());
    await em.flush();
    return h;
  }

  /** The rules a GraphQL type cannot state, on the fields given. */
  inputErrors(m: HeartbeatInput): FieldError[] {
    const errors: FieldError[] = [];
    if (m.name != null && !m.name.trim()) errors.push({ field: 'name', message: 'must not be blank' });
    if (m.cron != null && m.periodSeconds != null) errors.push({ field: 'cron', message: 'give periodSeconds or cron, not both' });
    const tzOk = m.timezone == null || isTimeZone(m.timezone);
    if (!tzOk) errors.push({ field: 'timezone', message: 'is not an IANA time zone (e.g. Europe/Paris)' });
    if (m.cron != null) {
      const why = cronError(m.cron, tzOk ? (m.timezone ?? 'UTC') : 'UTC');
      if (why) errors.push({ field: 'cron', message: `is not a cron expression: ${why}` });
    }
    return errors;
  }

  private validate(h: Heartbeat): void {
    const errors = this.inputErrors(h);
    if (h.cron == null && h.periodSeconds == null) errors.push({ field: 'periodSeconds', message: 'give periodSeconds or cron' });
    if (errors.length) throw badInput(errors);
  }

  private setToken(h: Heartbeat): string {
    const token = newPingToken();
    h.tokenHash = hashPingToken(token);
    h.tokenSealed = this.secrets.seal(token);
    return token;
  }
}
