import type { EntityManager } from '@mikro-orm/postgresql';
import { badInput, type FieldError } from '../../../../errors';
import { checkAssertions, checkExtractions, checkUrl } from '../../check-rules';
import { unmaskHeaders } from '../../secrets';
import { carriedCredentials, mustGiveAgain, originChanges } from '../../credential-origin';
import { TEMPLATE_VARIABLE } from '../../template';
import { defined } from '../../../common/defined';
import { applyInterval, applyPaused } from '../../scheduled-check';
import { applyProbeInput, probeErrors, type ProbeInput } from '../../probed-check';
import { CheckServiceBase } from '../../check.service-base';
import type { Actor } from '../../../audit/audit';
import { Journey, mapStepHeaders, type JourneyStep } from './journey.entity';
import { journeyKind } from './journey.kind';

export interface JourneyInput extends ProbeInput {
  name?: string | null;
  steps?: Array<Omit<JourneyStep, 'request'> & { request: { method: string; url: string; headers: JourneyStep['request']['headers']; body?: string | null } }> | null;
}


/** What the step rules read: a stored step, or a step as given (optional lists not yet defaulted). */
interface StepRuleFields {
  request: { url: string; body?: string | null; headers?: Array<{ value: string }> | null };
  assertions?: JourneyStep['assertions'] | null;
  extractions?: JourneyStep['extractions'] | null;
}

/** Journeys of one organization, with the same rules as monitors plus step rules. */
export class JourneyService extends CheckServiceBase<Journey> {
  protected readonly kind = journeyKind;

  create(em: EntityManager, actor: Actor, input: JourneyInput & { name: string; steps: NonNullable<JourneyInput['steps']> }): Promise<Journey> {
    const { degradedResponseTimeMs, retry, ...given } = input;
    const { steps, ...rest } = defined(given);
    const normalized = normalizeSteps(steps ?? [], []);
    return this.createChecked(em, actor, { ...rest, steps: normalized.steps }, (journey) => {
      applyProbeInput(journey, { degradedResponseTimeMs, retry });
      this.validate(journey, normalized.errors); // on plaintext: a sealed header hides the {{name}} it uses
      journey.steps = this.seal(journey.steps);
    });
  }

  async update(em: EntityManager, actor: Actor, id: string, input: JourneyInput): Promise<Journey> {
    const journey = await this.get(em, actor.organizationId, id);
    const { degradedResponseTimeMs, retry, ...given0 } = input;
    // Null turns these off rather than keeping them: applied apart from the patch (applyProbeInput).
    const touched = [
      ...(degradedResponseTimeMs !== undefined ? ['degradedResponseTimeMs'] : []),
      ...(retry !== undefined ? ['retryStrategy', 'retryMaxRetries', 'retryBaseBackoffMs'] : []),
    ];
    const patch = defined(given0);
    const { steps, ...rest } = patch;
    // `[masked]` keeps a stored value: decrypted here, sealed again once the steps are valid. Rows from before
    // encryption at rest are sealed by any update.
    const stored = steps ? mapStepHeaders(journey.steps, (h) => this.secrets.openHeaders(h)) : journey.steps;
    const normalized = steps ? normalizeSteps(steps, stored) : undefined;
    const plain = normalized?.steps;
    // The given fields as they are now; steps in clear, compared in memory (the event records only names).
    const { paused, ...given } = patch;
    const before = structuredClone(Object.fromEntries([...Object.keys(given), ...touched].map((f) => [f, f === 'steps' ? stored : journey[f as keyof Journey]])));
    const wasPaused = journey.paused;
    const wasStatus = journey.status;
    em.assign(journey, rest);
    applyProbeInput(journey, { degradedResponseTimeMs, retry });
    if (plain) journey.steps = plain;
    if (rest.intervalSeconds !== undefined) applyInterval(journey, this.now());
    if (paused !== undefined) applyPaused(journey, journey.paused, this.now());
    this.validate(journey, normalized?.errors, { targetGiven: steps !== undefined });
    if (plain) journey.steps = this.seal(plain);
    else if (journey.steps.some((s) => this.secrets.hasPlaintext(s.request.headers)))
      journey.steps = mapStepHeaders(journey.steps, (h) => this.secrets.reseal(h));
    return this.finishUpdate(em, actor, journey, rest, { before, after: () => ({ ...journey, steps: plain ?? stored }), wasPaused, wasStatus });
  }

  /**
   * The rules a GraphQL type cannot state, on the fields given (an update gives some). `create` and `update` apply
   * them to the whole journey; the input validation (src/graphql/validation.ts) applies them to the input when the
   * type's own constraints already failed, so one answer names every bad field.
   */
  inputErrors(j: { name?: string | null; steps?: StepRuleFields[] | null }, { targetGiven = true } = {}): FieldError[] {
    // Stored steps' private targets do not block renaming or pausing: they are judged when steps are given.
    const allowPrivateTargets = this.allowPrivateTargets || !targetGiven;
    const errors: FieldError[] = [];
    if (j.name != null && !j.name.trim()) errors.push({ field: 'name', message: 'must not be blank' });
    if (j.steps == null) return errors;
    if (j.steps.length < 1 || j.steps.length > 20) errors.push({ field: 'steps', message: 'must have 1 to 20 steps' });
    const known = new Set<string>();
    j.steps.forEach((step, i) => {
      const at = `steps[${i}]`;
      const assertions = step.assertions ?? [];
      const extractions = step.extractions ?? [];
      errors.push(...checkUrl(step.request.url, `${at}.request.url`, { templated: true, allowPrivateTargets }));
      errors.push(...checkAssertions(assertions, `${at}.assertions`));
      errors.push(...checkExtractions(extractions, `${at}.extractions`));
      const used = [step.request.url, step.request.body ?? '', ...(step.request.headers ?? []).map((h) => h.value)].flatMap((t) =>
        [...t.matchAll(TEMPLATE_VARIABLE)].map((m) => m[1]),
      );
      for (const name of new Set(used))
        if (!known.has(name)) errors.push({ field: `${at}.request`, message: `uses {{${name}}}, which no earlier step extracts` });
      for (const x of extractions) known.add(x.name);
    });
    return errors;
  }

  private validate(j: Journey, earlier: FieldError[] = [], opts: { targetGiven?: boolean } = {}): void {
    // One attempt at its longest: every step its whole timeout (JOURNEY_MAX_DURATION_MS may cut it shorter).
    const errors = [...earlier, ...this.inputErrors(j, opts), ...probeErrors(j, j.timeoutMs * Math.max(j.steps.length, 1))];
    if (errors.length) throw badInput(errors);
  }

  private seal(steps: JourneyStep[]): JourneyStep[] {
    return mapStepHeaders(steps, (h) => this.secrets.sealHeaders(h));
  }
}

/**
 * Plain JSON steps. A `[masked]` header value keeps the stored value of the step at the same position with the
 * same header name, and only when that stored step's URL has the same origin: a credential is never carried to
 * another host. Sending `[masked]` for a step whose origin changed is refused, naming the step and the headers.
 */
function normalizeSteps(steps: NonNullable<JourneyInput['steps']>, stored: JourneyStep[]): { steps: JourneyStep[]; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const normalized = steps.map((s, i) => {
    const incoming = (s.request.headers ?? []).map((h) => ({ name: h.name, value: h.value, secret: h.secret }));
    const prior = stored[i];
    if (prior && originChanges(prior.request.url, s.request.url)) {
      const carried = carriedCredentials(incoming, prior.request.headers);
      if (carried.length) errors.push({ field: `steps[${i}].request.headers`, message: mustGiveAgain(carried, prior.request.url, s.request.url) });
    }
    return {
      name: s.name,
      request: {
        method: s.request.method ?? 'GET',
        url: s.request.url,
        headers: unmaskHeaders(incoming, prior?.request.headers ?? []),
        body: s.request.body ?? null,
      },
      assertions: (s.assertions ?? []).map((a) => ({ source: a.source, property: a.property ?? null, comparison: a.comparison, target: a.target ?? null })),
      extractions: (s.extractions ?? []).map((x) => ({ name: x.name, source: x.source, property: x.property ?? null })),
    };
  });
  return { steps: normalized, errors }; // refused with the other rules' errors, in one answer
}
