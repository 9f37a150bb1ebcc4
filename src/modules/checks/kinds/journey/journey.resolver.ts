import { Resolver } from 'type-graphql';
import { createCheckResolver } from '../../check.resolver-base';
import { JourneyRunView } from '../../../runs/run.types';
import { journeyKind } from './journey.kind';
import { CreateJourneyInput, journeyColumns, JourneyConnection, JourneysArgs, JourneyView, UpdateJourneyInput } from './journey.types';

@Resolver(() => JourneyView)
export class JourneyResolver extends createCheckResolver({
  kind: journeyKind,
  view: JourneyView,
  connection: JourneyConnection,
  listArgs: JourneysArgs,
  createInput: CreateJourneyInput,
  updateInput: UpdateJourneyInput,
  runView: JourneyRunView,
  columns: journeyColumns,
  descriptions: {
    update: 'Only the fields given change; `steps` replaces every step.',
    delete: 'Deletes the journey with its runs and alerts; answers its id.',
    run: 'Runs every step now and answers the finished run.',
  },
}) {}
