import { Fragment, useCallback, useEffect, useState } from 'react';
import { useApi } from '../useApi';
import type { Session } from '../session';
import { dateTime } from '../format';
import { Sparkline } from '../components/Sparkline';
import { ErrorNote } from '../components/ErrorNote';
import { ChecksHead, RunNowButton } from '../components/CheckHead';
import type { DashboardKind, DetailCheck, ListRow } from '../kinds/kind';
import { CheckStatusChangedDocument } from '../../client/generated/graphql';
import { useLive } from '../live';

/**
 * The checks of one kind, newest first: status, last run, the last runs' sparkline and the kind's own columns; New
 * <kind>, and Run now for keys holding `<kind>s:run`.
 */
export function Checks<Row extends ListRow, Check extends DetailCheck, Run extends { id: string; status: string }>({ s, kind }: { s: Session; kind: DashboardKind<Row, Check, Run> }) {
  const [rows, setRows] = useState<Row[] | null>(null);
  const [running, setRunning] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const held = s.perms;
  const { error, call } = useApi(s);
  const { list, name, plural, title } = kind;

  const load = useCallback(async () => {
    const data = await call(() => list.load());
    if (data) setRows(data);
  }, [s, call, list]);
  useEffect(() => void load(), [load]);
  // a check's status changed (a run failed, a check recovered): read the list again, as a reload would
  useLive(CheckStatusChangedDocument, undefined, load);

  const runNow = async (row: Row) => {
    setRunning(row.id);
    if (await call(() => kind.run(row.id))) await load();
    setRunning(null);
  };
  const Form = kind.Form;

  return (
    <section aria-labelledby={`${plural}-title`}>
      <ChecksHead kind={kind} held={held} onNew={() => setCreating(true)} />
      <ErrorNote error={error} />
      {rows?.some((r) => r.quotaExhausted) && (
        <p className="warning" role="status">
          This month’s runs are used up: checks are paused until next month or a bigger plan (see Alerts).
        </p>
      )}
      {rows && rows.length === 0 && (
        <p className="hint">
          No {plural} yet. Create one with New {name}, or with the API (<code>create{kind.label}</code> or <code>POST /v1/{plural}</code>).
        </p>
      )}
      {rows && rows.length > 0 && (
        <div className="table-wrap">
          <table className={list.tableClass}>
            <caption className="sr-only">{title}, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col">Last run</th>
                <th scope="col">{list.chart.header}</th>
                {list.columns.map((c) => (
                  <th key={c.header} scope="col">
                    {c.header}
                  </th>
                ))}
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id} {...{ [`data-${name}-id`]: r.id }}>
                  <td>
                    <a href={`#/${plural}/${r.id}`}>{r.name}</a>
                    {list.summary(r)}
                  </td>
                  <td data-label="Status">
                    <span className={`status ${r.status.toLowerCase()}`}>{r.status}</span>
                  </td>
                  <td data-label="Last run">{dateTime(r.lastRunAt)}</td>
                  <td className="chart">
                    <Sparkline runs={r.recentRuns} label={list.chart.label(r)} />
                  </td>
                  {list.columns.map((c) => (
                    <Fragment key={c.header}>{c.cell(r)}</Fragment>
                  ))}
                  <td>
                    <RunNowButton kind={kind} held={held} check={r} running={running} onRun={() => runNow(r)} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {creating && (
        <Form
          s={s}
          onClose={() => setCreating(false)}
          onSaved={() => {
            setCreating(false);
            void load();
          }}
        />
      )}
    </section>
  );
}
