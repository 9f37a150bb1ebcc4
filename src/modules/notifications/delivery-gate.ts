import type { FastifyBaseLogger } from 'fastify';
import type { ReceiverHealth } from './delivery';

export interface DeliveryGateOptions {
  /** NOTIFY_MAX_IN_FLIGHT_PER_ORGANIZATION: attempts of one organization this worker makes at the same time. */
  perOrganization: number;
  /** NOTIFY_MAX_IN_FLIGHT_PER_CHANNEL: attempts to one channel this worker makes at the same time. */
  perChannel: number;
  /** NOTIFY_CIRCUIT_FAILURES: consecutive dead answers (no answer, timeout, 5xx, 429) that open a channel's circuit. */
  circuitFailures: number;
  /** NOTIFY_CIRCUIT_COOLDOWN_MS: how long an open circuit puts the channel's deliveries off before a probe. */
  circuitCooldownMs: number;
  /** NOTIFY_TIMEOUT_MS: how long a probe may take; the channel's other deliveries wait that long for its verdict. */
  timeoutMs: number;
}

/** Whether a job may start now; if not, to wait here for room, or to be put off until `until` (`note` for the log). */
export type Verdict = { run: true } | { run: false; wait: true } | { run: false; wait: false; until: Date; note: string };

interface Circuit {
  failures: number;
  /** Open until then (ms); past it, half-open: one probe goes, the rest wait for its verdict. */
  openUntil: number;
  probing: boolean;
}

/** A few seconds' spread, so deliveries put off together do not all come back in the same instant. */
const jitter = (ms: number) => Math.floor(Math.random() * Math.min(ms, 2000));

/**
 * One worker's fairness and circuit breaking for notification attempts. Every organization and every channel may
 * have only so many attempts in flight here (a receiver that never answers holds a slot for NOTIFY_TIMEOUT_MS: one
 * organization's flood must not hold all of them); and a channel whose receiver failed `circuitFailures` times in
 * a row is short-circuited: its deliveries are put off (not attempted, not counted) for a cool-down, then one probe
 * attempt goes; an answer closes the circuit, another failure opens it again. The state is this process's own: each
 * worker learns a dead receiver by itself, within `circuitFailures` attempts. Email attempts report no receiver
 * health (DeliveryAttempts.run): the SMTP server is every EMAIL channel's, its failures are not one channel's.
 */
export class DeliveryGate {
  private readonly byOrganization = new Map<string, number>();
  private readonly byChannel = new Map<string, number>();
  private readonly circuits = new Map<string, Circuit>();

  constructor(
    private readonly opts: DeliveryGateOptions,
    private readonly log: FastifyBaseLogger,
    private readonly now: () => number = Date.now,
  ) {}

  judge(organizationId: string, channelId: string): Verdict {
    const c = this.circuits.get(channelId);
    const now = this.now();
    if (c && c.failures >= this.opts.circuitFailures) {
      if (c.openUntil > now)
        return {
          run: false,
          wait: false,
          until: new Date(c.openUntil + jitter(this.opts.circuitCooldownMs)),
          note: `Not attempted: the receiver failed ${c.failures} times in a row; tried again after ${new Date(c.openUntil).toISOString()}`,
        };
      if (c.probing) {
        const until = now + this.opts.timeoutMs + 1000;
        return { run: false, wait: false, until: new Date(until + jitter(1000)), note: `Not attempted: the receiver failed ${c.failures} times in a row; a probe attempt is under way` };
      }
    }
    if ((this.byOrganization.get(organizationId) ?? 0) >= this.opts.perOrganization) return { run: false, wait: true };
    if ((this.byChannel.get(channelId) ?? 0) >= this.opts.perChannel) return { run: false, wait: true };
    return { run: true };
  }

  /** An attempt admitted by `judge` starts (a half-open channel's first one is its probe). */
  start(organizationId: string, channelId: string): void {
    this.byOrganization.set(organizationId, (this.byOrganization.get(organizationId) ?? 0) + 1);
    this.byChannel.set(channelId, (this.byChannel.get(channelId) ?? 0) + 1);
    const c = this.circuits.get(channelId);
    if (c && c.failures >= this.opts.circuitFailures && c.openUntil <= this.now()) c.probing = true;
  }

  /** It ended; `health` is what it showed of the receiver (nothing when no attempt was made after all). */
  finish(organizationId: string, channelId: string, health: ReceiverHealth): void {
    decrement(this.byOrganization, organizationId);
    decrement(this.byChannel, channelId);
    const c = this.circuits.get(channelId);
    if (health === 'alive') {
      if (c && c.failures >= this.opts.circuitFailures) this.log.info({ channelId, organizationId }, 'notification channel answered again; its circuit is closed');
      this.circuits.delete(channelId);
      return;
    }
    if (health !== 'dead') {
      if (c?.probing) c.probing = false; // the probe made no attempt: the next one probes
      return;
    }
    const circuit = c ?? { failures: 0, openUntil: 0, probing: false };
    this.circuits.set(channelId, circuit);
    circuit.failures++;
    // Opens on reaching the threshold, and again when a probe fails; attempts that were in flight when it opened
    // and fail afterwards only count.
    if (circuit.failures === this.opts.circuitFailures || circuit.probing) {
      circuit.openUntil = this.now() + this.opts.circuitCooldownMs;
      circuit.probing = false;
      this.log.warn({ channelId, organizationId, failures: circuit.failures, cooldownMs: this.opts.circuitCooldownMs }, 'notification channel circuit opened: its deliveries are put off');
    }
  }
}

function decrement(map: Map<string, number>, key: string): void {
  const n = (map.get(key) ?? 0) - 1;
  if (n > 0) map.set(key, n);
  else map.delete(key);
}
