import type { EntityManager } from '@mikro-orm/postgresql';
import { badInput, type FieldError } from '../../../../errors';
import { defined } from '../../../common/defined';
import type { Actor } from '../../../audit/audit';
import { applyInterval, applyPaused } from '../../scheduled-check';
import { applyProbeInput, probeErrors, type ProbeInput } from '../../probed-check';
import { CheckServiceBase } from '../../check.service-base';
import { checkHost } from '../../target-guard';
import { TcpMonitor } from './tcp-monitor.entity';
import { tcpMonitorKind } from './tcp-monitor.kind';

export interface TcpMonitorInput extends ProbeInput {
  name?: string | null;
  host?: string | null;
  port?: number | null;
  send?: string | null;
  expect?: string | null;
}

/** TCP checks of one organization: every query is scoped by it, so another organization's id is NOT_FOUND. */
export class TcpMonitorService extends CheckServiceBase<TcpMonitor> {
  protected readonly kind = tcpMonitorKind;

  create(em: EntityManager, actor: Actor, input: TcpMonitorInput & { name: string; host: string; port: number }): Promise<TcpMonitor> {
    const { degradedResponseTimeMs, retry, ...rest } = input;
    return this.createChecked(em, actor, defined(rest), (t) => {
      applyProbeInput(t, { degradedResponseTimeMs, retry });
      this.validate(t);
    });
  }

  async update(em: EntityManager, actor: Actor, id: string, input: TcpMonitorInput): Promise<TcpMonitor> {
    const t = await this.get(em, actor.organizationId, id);
    // `send` and `expect` are cleared by an empty string (null keeps them, as every field of an update).
    // Null turns these off rather than keeping them: applied apart from the patch (applyProbeInput).
    const { degradedResponseTimeMs, retry, ...rest } = input;
    const touched = [
      ...(degradedResponseTimeMs !== undefined ? ['degradedResponseTimeMs'] : []),
      ...(retry !== undefined ? ['retryStrategy', 'retryMaxRetries', 'retryBaseBackoffMs'] : []),
    ];
    const patch = defined(rest) as TcpMonitorInput;
    if (patch.send === '') patch.send = null;
    if (patch.expect === '') patch.expect = null;
    const { paused, ...given } = patch;
    const before = structuredClone(Object.fromEntries([...Object.keys(given), ...touched].map((f) => [f, t[f as keyof TcpMonitor]])));
    const wasPaused = t.paused;
    const wasStatus = t.status;
    em.assign(t, patch);
    applyProbeInput(t, { degradedResponseTimeMs, retry });
    if (patch.intervalSeconds !== undefined) applyInterval(t, this.now());
    if (paused !== undefined) applyPaused(t, t.paused, this.now());
    this.validate(t, { targetGiven: patch.host !== undefined });
    return this.finishUpdate(em, actor, t, patch, { before, after: () => ({ ...t }), wasPaused, wasStatus });
  }

  /** The rules a GraphQL type cannot state: a host tracer may reach (see target-guard.ts `checkHost`). */
  inputErrors(t: Pick<TcpMonitorInput, 'name' | 'host'>, { targetGiven = true } = {}): FieldError[] {
    // A stored private host (from while ALLOW_PRIVATE_TARGETS was on) does not block renaming or pausing it.
    const allowPrivateTargets = this.allowPrivateTargets || !targetGiven;
    return [
      ...(t.name != null && !t.name.trim() ? [{ field: 'name', message: 'must not be blank' }] : []),
      ...(t.host != null ? checkHost(t.host, 'host', allowPrivateTargets) : []),
    ];
  }

  private validate(t: TcpMonitor, opts: { targetGiven?: boolean } = {}): void {
    const errors = [...this.inputErrors(t, opts), ...probeErrors(t, t.timeoutMs)];
    if (errors.length) throw badInput(errors);
  }
}
