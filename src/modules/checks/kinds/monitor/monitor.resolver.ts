import { Resolver } from 'type-graphql';
import { createCheckResolver } from '../../check.resolver-base';
import { MonitorRunView } from '../../../runs/run.types';
import { monitorKind } from './monitor.kind';
import { CreateMonitorInput, monitorColumns, MonitorConnection, MonitorsArgs, MonitorView, UpdateMonitorInput } from './monitor.types';

@Resolver(() => MonitorView)
export class MonitorResolver extends createCheckResolver({
  kind: monitorKind,
  view: MonitorView,
  connection: MonitorConnection,
  listArgs: MonitorsArgs,
  createInput: CreateMonitorInput,
  updateInput: UpdateMonitorInput,
  runView: MonitorRunView,
  columns: monitorColumns,
  descriptions: {
    update: 'Only the fields given change; `[masked]` header values keep what is stored while the URL keeps its origin.',
    delete: 'Deletes the monitor with its runs and alerts; answers its id.',
    run: 'Runs the check now, through the queue ahead of scheduled slots, in one of its locations, and answers the finished run (bounded by its timeout plus a margin).',
  },
}) {}
