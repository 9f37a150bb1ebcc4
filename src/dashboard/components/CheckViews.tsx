import type { ReactNode } from 'react';
import type { AssertionResultFieldsFragment } from '../../client/generated/graphql';
import { dateTime } from '../format';

/** The schedule and alert rule a monitor or journey shares. */
export function CheckSettings({ check }: { check: { intervalSeconds: number; timeoutMs: number; failureThreshold: number; locations: string[]; minFailedLocations: number; tags: string[]; lastRunAt?: string | null } }) {
  return (
    <dl className="settings" aria-label="Settings">
      <dt>Interval</dt>
      <dd>every {check.intervalSeconds} s</dd>
      <dt>Timeout</dt>
      <dd>{check.timeoutMs} ms</dd>
      <dt>Alert after</dt>
      <dd>
        {check.failureThreshold} failed run{check.failureThreshold === 1 ? '' : 's'} in a row, in {check.minFailedLocations} of its locations
      </dd>
      <dt>Locations</dt>
      <dd>{check.locations.join(', ')}</dd>
      <dt>Tags</dt>
      <dd>{check.tags.length ? check.tags.join(', ') : 'none'}</dd>
      <dt>Last run</dt>
      <dd>{dateTime(check.lastRunAt)}</dd>
    </dl>
  );
}

/** Headers as the API shows them: credential values read `[masked]`. */
export function RequestHeaders({ headers }: { headers: { name: string; value: string }[] }) {
  if (!headers.length) return <>none</>;
  return (
    <ul className="plain" aria-label="Headers">
      {headers.map((h, i) => (
        <li key={i}>
          <code>
            {h.name}: {h.value}
          </code>
        </li>
      ))}
    </ul>
  );
}

/** A run's assertion results: each one passed (✓) or failed (✗) with what the check saw. */
export function AssertionResults({ results, label = 'Assertions' }: { results: AssertionResultFieldsFragment[]; label?: string }) {
  if (!results.length) return null;
  return (
    <ul className="assertions" aria-label={label}>
      {results.map((a, i) => (
        <li key={i} className={a.passed ? 'pass' : 'fail'}>
          {a.passed ? '✓' : '✗'} {a.source}
          {a.property ? ` ${a.property}` : ''} {a.comparison} {a.target ?? ''} <span className="hint">(actual: {a.actual ?? '—'})</span>
        </li>
      ))}
    </ul>
  );
}

/**
 * A run in a check's runs list: one line (status, when, how, result), what else it has (error, assertions, steps)
 * folded under it, so twenty runs read as a compact list rather than twenty cards; `open` unfolds it (the newest).
 */
export function RunDetails({ summary, open, children }: { summary: ReactNode; open?: boolean; children?: ReactNode }) {
  const parts = (Array.isArray(children) ? children : [children]).filter((c) => c !== null && c !== undefined && c !== false);
  if (!parts.length) return <div className="run-line">{summary}</div>;
  return (
    <details open={open}>
      <summary className="run-line">{summary}</summary>
      {children}
    </details>
  );
}
