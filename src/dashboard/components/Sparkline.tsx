/** Response times of the last runs as a small SVG line (oldest left); failed runs are dots in the failure colour. */
export function Sparkline({ runs, label }: { runs: { durationMs?: number | null; status: string }[]; label: string }) {
  const points = [...runs].reverse();
  const w = 120;
  const h = 28;
  if (points.length === 0) return <span className="hint">no runs yet</span>;
  const max = Math.max(1, ...points.map((r) => r.durationMs ?? 0));
  const pad = 3; // room for the failure dots at the edges
  const step = points.length > 1 ? (w - 2 * pad) / (points.length - 1) : 0;
  const xy = points.map((r, i) => [pad + i * step, h - pad - ((r.durationMs ?? 0) / max) * (h - 2 * pad)] as const);
  return (
    <svg className="spark" width={w} height={h} viewBox={`0 0 ${w} ${h}`} role="img" aria-label={label}>
      <polyline points={xy.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ')} fill="none" className="spark-line" />
      {xy.map(([x, y], i) => points[i].status !== 'PASSED' && <circle key={i} cx={x} cy={y} r={2.5} className="spark-fail" />)}
    </svg>
  );
}
