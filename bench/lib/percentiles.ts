export interface Distribution {
  count: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
}

/** Nearest-rank percentiles in milliseconds, rounded to 0.1 ms. */
export function distribution(samples: readonly number[]): Distribution {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => (sorted.length ? round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]) : null);
  return { count: sorted.length, p50: at(50), p90: at(90), p99: at(99), max: sorted.length ? round(sorted[sorted.length - 1]) : null };
}

const round = (ms: number) => Math.round(ms * 10) / 10;
