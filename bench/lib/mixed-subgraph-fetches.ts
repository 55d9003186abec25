import { scrape, type Sample } from '../../lib/testing/prometheus-text.js';

/** The gateway's fetches to one subgraph during a run, from its `gateway_subgraph_fetch_duration_seconds` histogram. */
export interface SubgraphFetches {
  count: number;
  meanMs: number;
  /** The upper bound of the histogram bucket holding the 95th percentile ("≤ this"); null past the last bucket. */
  p95AtMostMs: number | null;
  /** Fetches that ended other than `ok` (HTTP error, timeout, unreachable). */
  failed: number;
}

const METRIC = 'gateway_subgraph_fetch_duration_seconds';

/**
 * Reads the gateway's /metrics before and after a run and reports what changed, per subgraph: which
 * subgraph a slow operation waited on. Returns null from `start` when the gateway serves no metrics,
 * so a target without them still runs.
 */
export async function watchSubgraphFetches(gatewayUrl: string): Promise<{ stop(): Promise<Record<string, SubgraphFetches> | null> } | null> {
  const read = () => scrape(new URL('/', gatewayUrl).href).then((s) => s.filter((x) => x.name.startsWith(METRIC)));
  const before = await read().catch(() => null);
  if (!before) return null;
  return {
    async stop() {
      const after = await read().catch(() => null);
      return after ? delta(before, after) : null;
    },
  };
}

function delta(before: Sample[], after: Sample[]): Record<string, SubgraphFetches> {
  const key = (s: Sample) => `${s.name}|${JSON.stringify(s.labels)}`;
  const old = new Map(before.map((s) => [key(s), s.value]));
  const diff = after.map((s) => ({ ...s, value: s.value - (old.get(key(s)) ?? 0) }));
  const out: Record<string, SubgraphFetches> = {};
  for (const subgraph of new Set(diff.map((s) => s.labels.subgraph))) {
    const of = (suffix: string, outcome?: string) => diff.filter((s) => s.name === METRIC + suffix && s.labels.subgraph === subgraph && (!outcome || s.labels.outcome === outcome));
    const total = (samples: Sample[]) => samples.reduce((n, s) => n + s.value, 0);
    const count = total(of('_count'));
    if (!count) continue;
    // Cumulative buckets per outcome: add the outcomes up bucket by bucket.
    const buckets = new Map<number, number>();
    for (const b of of('_bucket')) {
      const le = b.labels.le === '+Inf' ? Infinity : Number(b.labels.le);
      buckets.set(le, (buckets.get(le) ?? 0) + b.value);
    }
    const p95 = [...buckets].sort((a, b) => a[0] - b[0]).find(([, n]) => n >= 0.95 * count)?.[0];
    out[subgraph] = {
      count,
      meanMs: Math.round((total(of('_sum')) / count) * 10_000) / 10,
      p95AtMostMs: p95 === undefined || p95 === Infinity ? null : p95 * 1000,
      failed: count - total(of('_count', 'ok')),
    };
  }
  return out;
}
