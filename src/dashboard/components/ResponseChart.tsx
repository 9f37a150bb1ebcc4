/** p50 and p95 response times of a series as an SVG line chart with labelled axes; empty buckets leave gaps. */
export interface ChartBucket {
  start: string;
  runs: number;
  p50?: number | null;
  p95?: number | null;
}

const W = 640;
const H = 240;
const M = { left: 56, right: 12, top: 12, bottom: 40 };

/** A round axis maximum: 1, 2 or 5 times a power of ten at or above `v`. */
function niceMax(v: number): number {
  const p = 10 ** Math.floor(Math.log10(Math.max(1, v)));
  return [1, 2, 5, 10].map((k) => k * p).find((x) => x >= v) ?? 10 * p;
}

export function ResponseChart({ buckets, daily, title }: { buckets: ChartBucket[]; daily: boolean; title: string }) {
  const max = niceMax(Math.max(1, ...buckets.map((b) => b.p95 ?? 0)));
  const iw = W - M.left - M.right;
  const ih = H - M.top - M.bottom;
  const x = (i: number) => M.left + (buckets.length > 1 ? (i / (buckets.length - 1)) * iw : iw / 2);
  const y = (v: number) => M.top + ih - (v / max) * ih;
  // Runs of consecutive buckets with a value: one path segment each, so an hour without runs is a gap, not a dip.
  const path = (key: 'p50' | 'p95') => {
    let d = '';
    let pen = false;
    buckets.forEach((b, i) => {
      const v = b[key];
      if (v == null) return void (pen = false);
      d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    });
    return d;
  };
  // Hourly buckets over more than a day (the 7-day chart) say which day too: a bare "14:00" is every day's.
  const spansDays = buckets.length > 1 && Date.parse(buckets[buckets.length - 1].start) - Date.parse(buckets[0].start) >= 24 * 3600_000;
  const label = (iso: string) => {
    const d = new Date(iso);
    if (daily) return d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
    if (spansDays) return d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
    return d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  };
  // A bucket with no neighbour holding a value (the first hour of a new check, an hour between gaps) draws no line:
  // it gets a dot, so one bucket of data is visible.
  const lonely = (key: 'p50' | 'p95') =>
    buckets.flatMap((b, i) => {
      const v = b[key];
      return v != null && buckets[i - 1]?.[key] == null && buckets[i + 1]?.[key] == null ? [{ i, v }] : [];
    });
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => Math.round(f * max));
  const xTicks = buckets.length ? [0, Math.floor((buckets.length - 1) / 3), Math.floor((2 * (buckets.length - 1)) / 3), buckets.length - 1] : [];
  const withRuns = buckets.filter((b) => b.runs > 0);
  const summary = withRuns.length
    ? `${title}: p95 from ${Math.min(...withRuns.map((b) => b.p95 ?? 0))} to ${Math.max(...withRuns.map((b) => b.p95 ?? 0))} ms over ${withRuns.length} ${daily ? 'days' : 'hours'} with runs`
    : `${title}: no runs in this window`;
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={summary} preserveAspectRatio="xMidYMid meet">
        {ticks.map((t) => (
          <g key={t}>
            <line x1={M.left} x2={W - M.right} y1={y(t)} y2={y(t)} className="grid" />
            <text x={M.left - 6} y={y(t) + 4} textAnchor="end" className="tick">
              {t}
            </text>
          </g>
        ))}
        {[...new Set(xTicks)].map((i) => (
          <text key={i} x={x(i)} y={H - M.bottom + 16} textAnchor={i === 0 && buckets.length > 1 ? 'start' : i === buckets.length - 1 && i > 0 ? 'end' : 'middle'} className="tick">
            {label(buckets[i].start)}
          </text>
        ))}
        <text x={14} y={M.top + ih / 2} transform={`rotate(-90 14 ${M.top + ih / 2})`} textAnchor="middle" className="axis-label">
          Response time (ms)
        </text>
        <text x={M.left + iw / 2} y={H - 4} textAnchor="middle" className="axis-label">
          {daily ? 'Day (UTC)' : 'Hour'}
        </text>
        <path d={path('p95')} className="line-p95" fill="none" />
        <path d={path('p50')} className="line-p50" fill="none" />
        {(['p95', 'p50'] as const).flatMap((key) =>
          lonely(key).map(({ i, v }) => <circle key={`${key}-${i}`} cx={x(i)} cy={y(v)} r={3.5} className={`dot-${key}`} />),
        )}
      </svg>
      <figcaption className="legend">
        <span className="key p50">p50</span> <span className="key p95">p95</span>
      </figcaption>
    </figure>
  );
}
