import type { CheckKindName } from '../checks/kinds/registry';

/** The work of one run: which check, where, for which slot, and the id its run row will have. */
export interface CheckJob {
  kind: CheckKindName;
  checkId: string;
  organizationId: string;
  location: string;
  /** The slot (ISO 8601); null for a manual run. */
  scheduledAt: string | null;
  /** The run row's id, chosen at enqueue time so a manual run can wait for exactly its run. */
  runId: string;
  trigger: 'SCHEDULED' | 'MANUAL' | 'PING';
  /**
   * When a manual run was asked for (ISO 8601): the run's partition key (`slot_at`), fixed by the job so that a
   * retried job writes the same key and is refused as a duplicate. Absent on scheduled runs (their slot is the key).
   */
  requestedAt?: string;
  /** The run was admitted against the quota already (manual runs are, by the API, so their caller hears a 402). */
  admitted?: boolean;
  /** The key that asked for a manual run (runMonitor, runJourney, triggerChecks): its id, stored on the run. */
  triggeredBy?: string | null;
}
