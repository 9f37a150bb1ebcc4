import type { KindApi } from '../../kind-api';
import type { Journey } from './journey.entity';
import { journeyKind } from './journey.kind';
import { journeyResolver } from './journey.resolver';
import { JourneyService } from './journey.service';
import { JourneyView } from './journey.types';

/** The journey's service, resolvers and object type: its line in kinds/apis.ts puts them in the wiring and the schema. */
export const journeyApi = {
  kind: journeyKind,
  service: JourneyService,
  resolver: journeyResolver,
  view: JourneyView,
} satisfies KindApi<Journey>;
