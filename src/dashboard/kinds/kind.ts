import type { ReactNode } from 'react';
import type { Session } from '../session';

/** What the list page reads of every row, whatever its kind. */
export interface ListRow {
  id: string;
  name: string;
  status: string;
  lastRunAt?: string | null;
  quotaExhausted?: boolean;
  recentRuns: { status: string; durationMs?: number | null }[];
}

/** What the detail page reads of every check, whatever its kind. */
export interface DetailCheck {
  name: string;
  status: string;
  paused: boolean;
}

/**
 * One kind of check as the dashboard shows it (the server's modules/checks/kinds/registry.ts has the same list): its
 * words and route, its calls, and the few parts that differ between kinds. The list page (pages/Checks.tsx) and
 * the detail page (pages/CheckDetail.tsx) are the same for every kind.
 */
export interface DashboardKind<Row extends ListRow, Check extends DetailCheck, Run extends { id: string; status: string }> {
  /** 'monitor': its word in the UI ("New monitor"), its test ids and its rows' `data-monitor-id`. */
  name: string;
  /** 'Monitor': in operation names (`createMonitor`). */
  label: string;
  /** 'monitors': its route (`#/monitors`) and, unless `scopes` says otherwise, its scopes' prefix (`monitors:write`). */
  plural: string;
  /** Its scopes' prefix when its route is not it: TCP and DNS checks (`#/tcp-monitors`) use `monitors:*`. */
  scopes?: string;
  /** 'Monitors': the nav link and the list's heading. */
  title: string;
  list: {
    /** The newest 50 with their last 20 runs (and anything the kind's columns show). */
    load(): Promise<Row[]>;
    tableClass: string;
    /** Under the name: what it checks. */
    summary(row: Row): ReactNode;
    /** The sparkline's column heading and its accessible label. */
    chart: { header: string; label(row: Row): string };
    /** Columns of this kind only, after the chart: each a heading and a `<td>`. */
    columns: { header: string; cell(row: Row): ReactNode }[];
  };
  detail: {
    /** The check and its newest 20 runs. */
    load(id: string): Promise<[Check, Run[]]>;
    /** Between the heading and the runs: what it checks and how. */
    Overview(props: { s: Session; id: string; check: Check }): ReactNode;
    /**
     * One run's item in the runs list: a one-line summary, its details (error, assertions, steps) folded under it
     * (`RunDetails`), unfolded when `open` (the newest run).
     */
    RunItem(props: { run: Run; open?: boolean }): ReactNode;
  };
  run(id: string): Promise<unknown>;
  pause(id: string): Promise<Check>;
  resume(id: string): Promise<Check>;
  remove(id: string): Promise<unknown>;
  /** The create and edit dialog. */
  Form(props: { s: Session; check?: Check; onClose(): void; onSaved(c: Check): void }): ReactNode;
}
