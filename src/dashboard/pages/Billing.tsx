import { useEffect, useState } from 'react';
import { BillingDocument, type BillingQuery } from '../../client/generated/graphql';
import { gql } from '../api';
import { useApi } from '../useApi';
import type { Session } from '../session';
import { dateTime } from '../format';
import { ErrorNote } from '../components/ErrorNote';
import { lacks } from '../components/ScopedButton';
import { holds } from '../scopes';

type Billing = BillingQuery['billing'];

const limit = (v: number | null | undefined) => (v == null ? 'no limit' : v.toLocaleString());

/** The plan, this month's usage against its limits, and the runs left (`billing:read`). */
export function Billing({ s }: { s: Session }) {
  const [billing, setBilling] = useState<Billing | null>(null);
  const { error, call } = useApi(s);
  const allowed = holds(s.perms, 'billing:read');
  useEffect(() => {
    if (allowed) void call(() => gql(BillingDocument)).then((d) => d && setBilling(d.billing));
  }, [s, call, allowed]);

  const usage = (used: number, max: number | null | undefined) => (max == null ? used.toLocaleString() : `${used.toLocaleString()} of ${max.toLocaleString()}`);
  return (
    <section aria-labelledby="billing-title">
      <h1 id="billing-title">Billing</h1>
      {!allowed && <p className="hint">{lacks('billing:read')}: the plan and usage are not shown.</p>}
      <ErrorNote error={error} />
      {billing && (
        <>
          {billing.quotaExhausted && (
            <p className="warning" role="status">
              This month’s runs are used up: checks are paused until next month or a bigger plan.
            </p>
          )}
          <div className="cards">
            <div className="card" data-testid="billing-plan">
              <span className="hint">Plan</span>
              <strong>{billing.plan}</strong>
            </div>
            <div className="card" data-testid="billing-runs">
              <span className="hint">Runs this month (since {dateTime(billing.usage.periodStart)})</span>
              <strong>{usage(billing.usage.runs, billing.limits.runsPerMonth)}</strong>
              <span className="hint">{billing.runsRemaining == null ? 'no limit' : `${billing.runsRemaining.toLocaleString()} remaining`}</span>
            </div>
          </div>
          <h2>Usage and limits</h2>
          <dl className="settings" aria-label="Usage and limits">
            <dt>Monitors</dt>
            <dd>{usage(billing.usage.monitors, billing.limits.monitors)}</dd>
            <dt>Journeys</dt>
            <dd>{usage(billing.usage.journeys, billing.limits.journeys)}</dd>
            <dt>Shortest interval</dt>
            <dd>{billing.limits.minIntervalSeconds} s</dd>
            <dt>Locations per check</dt>
            <dd>{limit(billing.limits.locationsPerCheck)}</dd>
            <dt>Concurrent checks per location</dt>
            <dd>{limit(billing.limits.maxConcurrentChecksPerLocation)}</dd>
            <dt>Run history kept</dt>
            <dd>{billing.limits.runRetentionDays} days</dd>
          </dl>
        </>
      )}
    </section>
  );
}
