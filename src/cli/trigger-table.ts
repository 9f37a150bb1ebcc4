import { printable } from '../modules/common/printable';

/** What `tracer trigger` reads of a check session (REST, snake_case). */
export interface SessionRun {
  name: string;
  check_id: string;
  /** The check's kind as the API names it (`MONITOR`, `JOURNEY`, `TCP_MONITOR`, …). */
  check_type: string;
  location: string;
  status: 'RUNNING' | 'PASSED' | 'FAILED' | 'ERROR' | 'TIMED_OUT';
  response_status: number | null;
  duration_ms: number | null;
  error: string | null;
}

export interface Session {
  id: string;
  status: 'RUNNING' | 'PASSED' | 'FAILED';
  runs: SessionRun[];
}

/** The results as a plain-text table (fixed columns, padded: readable in a CI log), with a summary line. */
export function resultTable(session: Session): string {
  // Every cell is the server's text: escaped, whatever it holds (see printable).
  const rows = session.runs.map((r) =>
    [
      r.name,
      r.check_type.toLowerCase(),
      r.check_id,
      r.location,
      r.status,
      r.response_status === null ? '-' : String(r.response_status),
      r.duration_ms === null ? '-' : `${r.duration_ms} ms`,
      oneLine(r.error ?? ''),
    ].map((cell) => printable(String(cell))),
  );
  const head = ['CHECK', 'TYPE', 'ID', 'LOCATION', 'STATUS', 'HTTP', 'TIME', 'ERROR'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  const count = (s: SessionRun['status']) => session.runs.filter((r) => r.status === s).length;
  const failed = session.runs.length - count('PASSED') - count('RUNNING');
  const summary = `${session.runs.length} check${session.runs.length === 1 ? '' : 's'}: ${count('PASSED')} passed, ${failed} failed${count('RUNNING') ? `, ${count('RUNNING')} still running` : ''}`;
  return [line(head), ...rows.map(line), '', printable(`Session ${session.id}: ${session.status} (${summary})`)].join('\n');
}

const oneLine = (s: string) => (s.length > 80 ? `${s.slice(0, 79)}…` : s).replace(/\s+/g, ' ');
