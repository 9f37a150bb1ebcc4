import type { CheckResolverTypes } from '../../check.resolver-base';
import type { Journey } from './journey.entity';
import { journeyKind } from './journey.kind';
import { CreateJourneyInput, journeyColumns, JourneyConnection, JourneysArgs, JourneyView, UpdateJourneyInput } from './journey.types';

/** What the journey's resolver is made of: `createCheckResolver` builds its queries and mutations from these (src/graphql/check-resolvers.ts). */
export const journeyResolver: CheckResolverTypes<Journey, JourneyView> = {
  kind: journeyKind,
  view: JourneyView,
  connection: JourneyConnection,
  listArgs: JourneysArgs,
  createInput: CreateJourneyInput,
  updateInput: UpdateJourneyInput,
  columns: journeyColumns,
  descriptions: {
    update: 'Only the fields given change; `steps` replaces every step.',
    delete: 'Deletes the journey with its runs and alerts; answers its id.',
    run: 'Runs every step now and answers the finished run.',
  },
};
