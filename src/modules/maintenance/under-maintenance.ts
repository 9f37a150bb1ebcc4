/** A condition of a SQL statement, with its parameters in order (for `?` placeholders). */
export interface SqlCondition {
  sql: string;
  params: unknown[];
}

/**
 * "The check is in one of its organization's maintenance windows at `at`", as one SQL condition: the only
 * definition of the rule. The alert rule asks it (AlertService.underMaintenance), and the rollup write puts it in
 * its own statement (RollupWriter), so the runs a window keeps from opening an alert are the runs it keeps out of
 * the statistics. A window covers [startsAt, endsAt); empty checkIds means every check of the organization; a window
 * of another organization never counts, whatever ids it names.
 */
export function underMaintenance(organizationId: string, checkId: string, at: Date): SqlCondition {
  return {
    sql: `exists (select 1 from maintenance_windows mw
                   where mw.organization_id = ? and mw.starts_at <= ? and mw.ends_at > ? and (cardinality(mw.check_ids) = 0 or ? = any(mw.check_ids)))`,
    params: [organizationId, at, at, checkId],
  };
}
