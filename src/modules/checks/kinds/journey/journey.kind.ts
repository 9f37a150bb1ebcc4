import type { CheckKind } from '../../check-kind';
import { checkJourney } from '../../check-runner';
import { Journey, mapStepHeaders } from './journey.entity';
import { StepResultType } from './journey-run.types';

/** A journey: up to 20 requests in order, each step's extracted values available to the later ones. */
export const journeyKind = {
  name: 'journey' as const,
  table: 'journeys',
  entity: Journey,
  idPrefix: 'jrn',
  column: 'journey_id',
  property: 'journey',
  label: 'Journey',
  enumValue: 'JOURNEY',
  runType: 'JourneyRun',
  runDetail: { field: 'steps', type: () => [StepResultType], value: (run) => run.steps ?? [] },
  scopes: { read: 'journeys:read', write: 'journeys:write', run: 'journeys:run' },
  credentials: {
    column: 'steps',
    hasPlaintext: (j, secrets) => j.steps.some((s) => secrets.hasPlaintext(s.request.headers)),
    reseal: (j, secrets) => mapStepHeaders(j.steps, (h) => secrets.reseal(h)),
  },
  // Its timeout is per step, but never more than the journey's maximum duration (JOURNEY_MAX_DURATION_MS: 20
  // steps of 30 s would otherwise hold a slot 10 minutes).
  totalTimeoutMs: (j, max) => Math.min(j.timeoutMs * Math.max(j.steps.length, 1), max),
  totalTimeoutSql: (max) => `least(t.timeout_ms * greatest(json_array_length(t.steps::json), 1), ${Math.trunc(max)})`,
  probe: (j, { options, secrets, journeyMaxDurationMs }) => checkJourney(j, options, secrets, journeyMaxDurationMs),
  // Journeys' alerts are read on the alerts page.
  notificationPage: null,
} satisfies CheckKind<Journey>;
