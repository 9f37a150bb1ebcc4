import type { CheckResolverTypes } from '../../check.resolver-base';
import type { Monitor } from './monitor.entity';
import { monitorKind } from './monitor.kind';
import { CreateMonitorInput, monitorColumns, MonitorConnection, MonitorsArgs, MonitorView, UpdateMonitorInput } from './monitor.types';

/** What the monitor's resolver is made of: `createCheckResolver` builds its queries and mutations from these (src/graphql/check-resolvers.ts). */
export const monitorResolver: CheckResolverTypes<Monitor, MonitorView> = {
  kind: monitorKind,
  view: MonitorView,
  connection: MonitorConnection,
  listArgs: MonitorsArgs,
  createInput: CreateMonitorInput,
  updateInput: UpdateMonitorInput,
  columns: monitorColumns,
  descriptions: {
    update: 'Only the fields given change; `[masked]` header values keep what is stored while the URL keeps its origin.',
    delete: 'Deletes the monitor with its runs and alerts; answers its id.',
    run: 'Runs the check now, through the queue ahead of scheduled slots, in one of its locations, and answers the finished run (bounded by its timeout plus a margin).',
  },
};
