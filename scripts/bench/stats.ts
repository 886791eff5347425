/**
 * Order statistics for benchmark samples. Nearest-rank percentiles: p99 of 1,000 samples is the
 * 990th smallest, so it is a value that really occurred, never an interpolation.
 */
export interface Summary {
  readonly n: number;
  readonly min: number;
  readonly median: number;
  readonly p99: number;
  readonly max: number;
}

export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function summarize(samples: ArrayLike<number>): Summary {
  const sorted = Float64Array.from(samples).sort();
  return {
    n: sorted.length,
    min: sorted[0] ?? NaN,
    median: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    max: sorted[sorted.length - 1] ?? NaN,
  };
}

/** "median 1.23 / p99 4.56 / max 7.89 ms (n=1000)" with the given scale and unit. */
export function formatSummary(s: Summary, unit: string, digits = 2): string {
  const f = (v: number) => v.toFixed(digits);
  return `median ${f(s.median)} / p99 ${f(s.p99)} / max ${f(s.max)} ${unit} (n=${s.n})`;
}
