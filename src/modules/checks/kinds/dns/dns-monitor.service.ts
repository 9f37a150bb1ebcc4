import type { EntityManager } from '@mikro-orm/postgresql';
import { badInput, type FieldError } from '../../../../errors';
import { defined } from '../../../common/defined';
import type { Actor } from '../../../audit/audit';
import { applyInterval, applyPaused } from '../../scheduled-check';
import { applyProbeInput, probeErrors, type ProbeInput } from '../../probed-check';
import { CheckServiceBase } from '../../check.service-base';
import { addressRange, checkHost, rangeWords } from '../../target-guard';
import { parseResolver, valueError } from './dns-answers';
import type { DnsMatch, DnsMonitor, RecordType } from './dns-monitor.entity';
import { dnsMonitorKind } from './dns-monitor.kind';

export interface DnsMonitorInput extends ProbeInput {
  name?: string | null;
  hostname?: string | null;
  recordType?: RecordType | null;
  resolver?: string | null;
  expectedValues?: string[] | null;
  match?: DnsMatch | null;
}

/** DNS checks of one organization: every query is scoped by it, so another organization's id is NOT_FOUND. */
export class DnsMonitorService extends CheckServiceBase<DnsMonitor> {
  protected readonly kind = dnsMonitorKind;

  create(em: EntityManager, actor: Actor, input: DnsMonitorInput & { name: string; hostname: string; recordType: RecordType }): Promise<DnsMonitor> {
    const { degradedResponseTimeMs, retry, ...rest } = input;
    return this.createChecked(em, actor, defined(rest), (d) => {
      applyProbeInput(d, { degradedResponseTimeMs, retry });
      this.validate(d);
    });
  }

  async update(em: EntityManager, actor: Actor, id: string, input: DnsMonitorInput): Promise<DnsMonitor> {
    const d = await this.get(em, actor.organizationId, id);
    // `resolver` goes back to the system's with "" (null keeps it, as every field of an update).
    // Null turns these off rather than keeping them: applied apart from the patch (applyProbeInput).
    const { degradedResponseTimeMs, retry, ...rest } = input;
    const touched = [
      ...(degradedResponseTimeMs !== undefined ? ['degradedResponseTimeMs'] : []),
      ...(retry !== undefined ? ['retryStrategy', 'retryMaxRetries', 'retryBaseBackoffMs'] : []),
    ];
    const patch = defined(rest) as DnsMonitorInput;
    if (patch.resolver === '') patch.resolver = null;
    const { paused, ...given } = patch;
    const before = structuredClone(Object.fromEntries([...Object.keys(given), ...touched].map((f) => [f, d[f as keyof DnsMonitor]])));
    const wasPaused = d.paused;
    const wasStatus = d.status;
    em.assign(d, patch);
    applyProbeInput(d, { degradedResponseTimeMs, retry });
    if (patch.intervalSeconds !== undefined) applyInterval(d, this.now());
    if (paused !== undefined) applyPaused(d, d.paused, this.now());
    this.validate(d, { targetGiven: patch.hostname !== undefined || patch.resolver !== undefined });
    return this.finishUpdate(em, actor, d, patch, { before, after: () => ({ ...d }), wasPaused, wasStatus });
  }

  /**
   * The rules a GraphQL type cannot state: a name tracer may ask about, a resolver that is a public address[:port]
   * (unless ALLOW_PRIVATE_TARGETS), expected values written as answers of the record type are.
   */
  inputErrors(d: Pick<DnsMonitorInput, 'name' | 'hostname' | 'recordType' | 'resolver' | 'expectedValues'>, { targetGiven = true } = {}): FieldError[] {
    const allowPrivateTargets = this.allowPrivateTargets || !targetGiven;
    const errors: FieldError[] = [];
    if (d.name != null && !d.name.trim()) errors.push({ field: 'name', message: 'must not be blank' });
    if (d.hostname != null) errors.push(...checkHost(d.hostname, 'hostname', allowPrivateTargets));
    if (d.resolver) {
      const server = parseResolver(d.resolver);
      const range = server && !allowPrivateTargets ? addressRange(server.address) : 'unicast';
      if (!server) errors.push({ field: 'resolver', message: 'must be an IP address with an optional port: 192.0.2.53, 192.0.2.53:5353 or [2001:db8::53]:53' });
      else if (range !== 'unicast')
        errors.push({ field: 'resolver', message: `${server.address} is a ${rangeWords(range)} address; tracer does not ask private, loopback or link-local resolvers unless ALLOW_PRIVATE_TARGETS=true` });
    }
    if (d.recordType && d.expectedValues)
      d.expectedValues.forEach((v, i) => {
        const message = valueError(d.recordType!, v);
        if (message) errors.push({ field: `expectedValues[${i}]`, message });
      });
    return errors;
  }

  private validate(d: DnsMonitor, opts: { targetGiven?: boolean } = {}): void {
    const errors = [...this.inputErrors(d, opts), ...probeErrors(d, d.timeoutMs)];
    if (errors.length) throw badInput(errors);
  }
}
