import type { EntityManager } from '@mikro-orm/postgresql';
import { badInput, type FieldError } from '../../../../errors';
import { checkAssertions, checkExpectedStatus, checkUrl } from '../../check-rules';
import { unmaskHeaders } from '../../secrets';
import { carriedCredentials, mustGiveAgain, originChanges } from '../../credential-origin';
import type { Assertion, Header } from '../../check.types';
import { defined } from '../../../common/defined';
import { Monitor } from './monitor.entity';
import { monitorKind } from './monitor.kind';
import type { Actor } from '../../../audit/audit';
import { applyInterval, applyPaused } from '../../scheduled-check';
import { applyProbeInput, probeErrors, type ProbeInput } from '../../probed-check';
import { CheckServiceBase } from '../../check.service-base';

export interface MonitorInput extends ProbeInput {
  name?: string | null;
  url?: string | null;
  method?: string | null;
  headers?: Header[] | null;
  body?: string | null;
  expectedStatusCodes?: string[] | null;
  assertions?: Assertion[] | null;
  /** Absent keeps it (create: 14); null turns it off. */
  tlsExpiryWarningDays?: number | null;
  skipTlsVerification?: boolean | null;
}

/** The fields where null means "off" rather than "keep": applied apart from the rest of the patch. */
function splitOff(input: MonitorInput) {
  const { degradedResponseTimeMs, retry, tlsExpiryWarningDays, ...rest } = input;
  const apply = (m: Monitor) => {
    applyProbeInput(m, { degradedResponseTimeMs, retry });
    if (tlsExpiryWarningDays !== undefined) m.tlsExpiryWarningDays = tlsExpiryWarningDays;
  };
  // The properties they change, for the audit event.
  const touched = [
    ...(degradedResponseTimeMs !== undefined ? ['degradedResponseTimeMs'] : []),
    ...(retry !== undefined ? ['retryStrategy', 'retryMaxRetries', 'retryBaseBackoffMs'] : []),
    ...(tlsExpiryWarningDays !== undefined ? ['tlsExpiryWarningDays'] : []),
  ];
  return { rest, apply, touched };
}

/** Monitors of one organization: every query is scoped by it, so another organization's id is NOT_FOUND. */
export class MonitorService extends CheckServiceBase<Monitor> {
  protected readonly kind = monitorKind;

  create(em: EntityManager, actor: Actor, input: MonitorInput & { name: string; url: string }): Promise<Monitor> {
    const { rest, apply } = splitOff(input);
    return this.createChecked(em, actor, defined(rest), (monitor) => {
      apply(monitor);
      monitor.headers = this.secrets.sealHeaders(monitor.headers);
      this.validate(monitor);
    });
  }

  async update(em: EntityManager, actor: Actor, id: string, input: MonitorInput): Promise<Monitor> {
    const monitor = await this.get(em, actor.organizationId, id);
    const { rest, apply, touched } = splitOff(input);
    const patch = defined(rest);
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
    const before = structuredClone(Object.fromEntries([...Object.keys(given), ...touched].map((f) => [f, f === 'headers' ? storedHeaders : monitor[f as keyof Monitor]])));
    const wasPaused = monitor.paused;
    const wasStatus = monitor.status;
    if (headers) patch.headers = this.secrets.sealHeaders(headers);
    else if (this.secrets.hasPlaintext(monitor.headers)) patch.headers = this.secrets.reseal(monitor.headers);
    em.assign(monitor, patch);
    apply(monitor);
    if (patch.intervalSeconds !== undefined) applyInterval(monitor, this.now());
    if (paused !== undefined) applyPaused(monitor, monitor.paused, this.now());
    this.validate(monitor, errors, { targetGiven: patch.url !== undefined });
    return this.finishUpdate(em, actor, monitor, patch, { before, after: () => ({ ...monitor, headers: headers ?? storedHeaders }), wasPaused, wasStatus });
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
    const errors = [...earlier, ...this.inputErrors(m, opts), ...probeErrors(m, m.timeoutMs)];
    if (errors.length) throw badInput(errors);
  }
}
