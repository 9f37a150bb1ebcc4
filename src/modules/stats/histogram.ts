/**
 * Response-time histograms with fixed log-scale buckets, the shape rollups store
 * (docs/explanation/statistics-and-retention.md).
 *
 * Buckets 0..31 hold one whole millisecond each (run durations are whole milliseconds, so those are exact). From
 * 32 ms on, bucket `32 + k` holds [32·1.05^k, 32·1.05^(k+1)): each bound is 5% above the one before, so a value
 * read back from inside its bucket is within 5% of any value that fell in it. 272 buckets reach past an hour; a
 * longer duration counts in the last one.
 *
 * Stored sparse, as a JSON object `{ "<bucket>": count }`: a check's response times sit in a handful of buckets,
 * so an hour's histogram is tens of bytes where a dense array of every bucket would be a kilobyte per row.
 */
export const EXACT_BUCKETS = 32;
export const GROWTH = 1.05;
export const BUCKETS = 272;
const LOG_GROWTH = Math.log(GROWTH);

export type Histogram = Record<string, number>;

/** The bucket of a duration in milliseconds (negative counts as 0). Mirrored in SQL by `BUCKET_SQL`. */
export function bucketOf(ms: number): number {
  const v = Math.max(0, Math.floor(ms));
  if (v < EXACT_BUCKETS) return v;
  return Math.min(BUCKETS - 1, EXACT_BUCKETS + Math.floor(Math.log(v / EXACT_BUCKETS) / LOG_GROWTH));
}

/** The same function in SQL, of an integer expression `x` (scripts that generate rollups in the database use it). */
export const bucketSql = (x: string) =>
  `(case when (${x}) < ${EXACT_BUCKETS} then greatest(0, (${x})) else least(${BUCKETS - 1}, ${EXACT_BUCKETS} + floor(ln((${x})::float8 / ${EXACT_BUCKETS}) / ln(${GROWTH}))::int) end)`;

/** [lower, upper) of a bucket in milliseconds. */
export function bucketBounds(b: number): [number, number] {
  if (b < EXACT_BUCKETS) return [b, b + 1];
  const k = b - EXACT_BUCKETS;
  return [EXACT_BUCKETS * GROWTH ** k, b === BUCKETS - 1 ? Infinity : EXACT_BUCKETS * GROWTH ** (k + 1)];
}

/** Adds `from` into `into` (in place) and answers `into`. */
export function mergeInto(into: Histogram, from: Histogram): Histogram {
  for (const k in from) into[k] = (into[k] ?? 0) + from[k];
  return into;
}

/**
 * The p-th percentile (0 < p ≤ 100) by nearest rank — the value at rank ⌈p/100 · n⌉ of the sorted durations, as
 * `exactPercentile` computes it from raw runs — estimated from the histogram: the bucket holding that rank, and
 * inside it a linear interpolation by the rank's position among the bucket's values. Exact below 32 ms. Null for
 * an empty histogram.
 */
export function percentile(h: Histogram, p: number): number | null {
  const buckets = Object.keys(h)
    .map(Number)
    .filter((b) => h[b] > 0)
    .sort((a, b) => a - b);
  const n = buckets.reduce((s, b) => s + h[b], 0);
  if (!n) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * n));
  let seen = 0;
  for (const b of buckets) {
    const count = h[b];
    if (seen + count >= rank) {
      const [lo, hi] = bucketBounds(b);
      if (b < EXACT_BUCKETS || hi === Infinity) return lo;
      // The values of a bucket spread evenly over it: the r-th of c sits at the middle of its share.
      return lo + ((hi - lo) * (rank - seen - 0.5)) / count;
    }
    seen += count;
  }
  return null; // not reached: rank ≤ n
}

/** Nearest-rank percentile of raw values (the reference the histogram is measured against). */
export function exactPercentile(values: number[], p: number): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1];
}
