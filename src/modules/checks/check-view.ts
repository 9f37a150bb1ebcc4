import { registerEnumType } from 'type-graphql';
import type { ScheduledCheck } from './scheduled-check';

export enum CheckStatusEnum {
  UP = 'UP',
  DOWN = 'DOWN',
  PAUSED = 'PAUSED',
  PENDING = 'PENDING',
}
registerEnumType(CheckStatusEnum, { name: 'CheckStatus', description: 'Derived from runs: PENDING until the first run.' });

/** What every kind's view has from its schedule and status (Monitor, Journey: the same fields). */
export interface ScheduledView {
  intervalSeconds: number;
  timeoutMs: number;
  failureThreshold: number;
  locations: string[];
  minFailedLocations: number;
  paused: boolean;
  tags: string[];
  status: CheckStatusEnum;
  lastRunAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  organizationId: string;
}

/** The fields of a kind's view that come from what every scheduled check has. */
export function setScheduledFields(v: ScheduledView, c: ScheduledCheck & { organization: { id: string } }): void {
  v.intervalSeconds = c.intervalSeconds;
  v.timeoutMs = c.timeoutMs;
  v.failureThreshold = c.failureThreshold;
  v.locations = c.locations;
  v.minFailedLocations = c.minFailedLocations;
  v.paused = c.paused;
  v.tags = c.tags;
  v.status = c.status as CheckStatusEnum;
  v.lastRunAt = c.lastRunAt;
  v.createdAt = c.createdAt;
  v.updatedAt = c.updatedAt;
  v.organizationId = c.organization.id;
}
