import { CHECK_SCOPES } from '../../../../authorization/scopes';
import type { CheckKind } from '../../check-kind';
import { checkJourney } from '../../check-runner';
import { Journey, mapStepHeaders } from './journey.entity';
import { StepResultType } from './journey-run.types';
import { retryPolicyOf } from '../../probed-check';
import { retryBudgetMs, retryBudgetSql } from '../../retry';

const STEPS = 20; // journey.types.ts: 1 to 20 steps
const ASSERTIONS = 20; // at most 20 assertions a step
const EXTRACTIONS = 20; // at most 20 extractions a step
const HEADERS = 50; // check.types.ts: at most 50 headers a request

/** The longest one attempt of a journey may take: its timeout per step, never more than its maximum duration. */
export const journeyAttemptMs = (j: Pick<Journey, 'timeoutMs' | 'steps'>, max: number) => Math.min(j.timeoutMs * Math.max(j.steps.length, 1), max);

/** A journey: up to 20 requests in order, each step's extracted values available to the later ones. */
export const journeyKind = {
  name: 'journey' as const,
  table: 'journeys',
  allowance: 'journeys',
  entity: Journey,
  idPrefix: 'jrn',
  label: 'Journey',
  enumValue: 'JOURNEY',
  typeName: 'Journey',
  runType: 'JourneyRun',
  listSizes: {
    'Journey.steps': { max: STEPS },
    'JourneyStep.assertions': { max: ASSERTIONS },
    'JourneyStep.extractions': { max: EXTRACTIONS },
    'JourneyRun.steps': { max: STEPS },
    'StepResult.assertions': { max: ASSERTIONS },
    'StepResult.extracted': { max: EXTRACTIONS },
    'StepRequest.headers': { max: HEADERS },
  },
  runDetail: { field: 'steps', type: () => [StepResultType], value: (run) => run.steps ?? [] },
  scopes: CHECK_SCOPES.journeys,
  credentials: {
    column: 'steps',
    hasPlaintext: (j, secrets) => j.steps.some((s) => secrets.hasPlaintext(s.request.headers)),
    reseal: (j, secrets) => mapStepHeaders(j.steps, (h) => secrets.reseal(h)),
  },
  // Its timeout is per step, but never more than the journey's maximum duration (JOURNEY_MAX_DURATION_MS: 20
  // steps of 30 s would otherwise hold a slot 10 minutes), for each attempt; the lease covers every attempt and wait.
  totalTimeoutMs: (j, max) => retryBudgetMs(journeyAttemptMs(j, max), retryPolicyOf(j)),
  totalTimeoutSql: (max) => retryBudgetSql(`least(t.timeout_ms * greatest(json_array_length(t.steps::json), 1), ${Math.trunc(max)})`),
  retryPolicy: (j) => retryPolicyOf(j),
  degradedAfterMs: (j) => j.degradedResponseTimeMs,
  probe: (j, { options, secrets, journeyMaxDurationMs }) => checkJourney(j, options, secrets, journeyMaxDurationMs),
  // Journeys' alerts are read on the alerts page.
  notificationPage: null,
} satisfies CheckKind<Journey>;
