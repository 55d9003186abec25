import type { Distribution } from './percentiles.js';

/** The targets: every event delivered; p99 within these at each size. */
export const TARGET_P99_MS = (n: number) => (n <= 1000 ? 100 : 500);

export const SELECTIONS = {
  resolved: 'id status statusVersion items { quantity product { name } }',
  'event-only': 'id status statusVersion',
} as const;
export type SelectionName = keyof typeof SELECTIONS;

export interface PhaseResult {
  events: number;
  delivered: number;
  deliveryRatio: number;
  /** From the moment the event was due to be published to its receipt by the client. */
  latencyMs: Distribution;
  /** Deliveries per second from the first publish to the last receipt. */
  throughputPerSecond: number;
  /** Operations the gateway ran to resolve deliveries (its subscription resolutions counter). */
  gatewayQueries: number;
  /** Orders the batched queries among them read (each delivery's order once per batch). */
  gatewayBatchedOrders: number;
  gatewayCpuCoresBusy: number;
  /** CPU of the gateway's process (every thread) per event, from the first publish to the last receipt. In-process, that process holds the subgraphs too. */
  gatewayCpuMsPerEvent: number;
  /** The same for its main thread only (null where /proc is missing). */
  mainThreadCpuMsPerEvent: number | null;
  /** CPU per event of the other processes that serve: each subgraph (cluster), postgres and nats-server (machine-wide, where visible). */
  otherCpuMsPerEvent: Record<string, number>;
  /** SQL statements each subgraph sent while serving GraphQL requests in the window (the gateway's resolutions). */
  subgraphRequestSql: Record<string, number>;
}

export interface RunResult {
  selection: SelectionName;
  subscribers: number;
  openSeconds: number;
  openFailures: number;
  /** The gateway's heap growth per open connection, between two readings after forced GCs. */
  heapPerConnectionKb: number;
  rssPerConnectionKb: number;
  /** Whether those readings came after a forced GC (false: noisier figures). */
  heapAfterGc: boolean;
  /** The gateway process's CPU (cores) over 2 s with every subscription open and no events. */
  gatewayIdleCores: number;
  steady: PhaseResult & { ratePerSecond: number };
  burst: PhaseResult;
  duplicates: number;
  errors: number;
  incompleteMessages: number;
  sampleErrors: string[];
  pass: boolean;
}

/** The steady stream is held to the latency target; a burst only to delivering every event (see bench/subscriptions.ts). */
const phaseVerdict = (r: RunResult, p: PhaseResult, phase: 'steady' | 'burst') => {
  if (p.events === 0) return '-';
  if (p.deliveryRatio !== 1) return 'FAIL';
  if (phase === 'burst') return 'delivered';
  return (p.latencyMs.p99 ?? Infinity) <= TARGET_P99_MS(r.subscribers) ? 'PASS' : 'FAIL';
};

export function formatTable(results: RunResult[]): string {
  const ms = (v: number | null) => (v === null ? '-' : v.toFixed(1));
  const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
  const header = ['selection', 'N', 'phase', 'events', 'delivered', 'p50 ms', 'p99 ms', 'max ms', 'target p99', 'deliveries/s', 'gw queries', 'orders/query', 'gw cores', 'cpu ms/event', 'main ms/event', 'heap/conn', 'rss/conn', 'verdict'];
  const rows = results.flatMap((r) =>
    (['steady', 'burst'] as const).map((name) => {
      const p = r[name];
      return [
        r.selection,
        String(r.subscribers),
        name === 'steady' ? `steady ${r.steady.ratePerSecond}/s` : 'burst',
        String(p.events),
        pct(p.deliveryRatio),
        ms(p.latencyMs.p50),
        ms(p.latencyMs.p99),
        ms(p.latencyMs.max),
        name === 'steady' ? `≤ ${TARGET_P99_MS(r.subscribers)}` : '-',
        String(p.throughputPerSecond),
        String(p.gatewayQueries),
        p.gatewayQueries ? (p.gatewayBatchedOrders / p.gatewayQueries).toFixed(1) : '-',
        p.gatewayCpuCoresBusy.toFixed(2),
        p.gatewayCpuMsPerEvent.toFixed(2),
        p.mainThreadCpuMsPerEvent === null ? '-' : p.mainThreadCpuMsPerEvent.toFixed(2),
        `${r.heapPerConnectionKb} KB`,
        `${r.rssPerConnectionKb} KB`,
        phaseVerdict(r, p, name),
      ];
    }),
  );
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `  ${cells.map((c, i) => c.padEnd(widths[i])).join('  ')}`;
  return [line(header), ...rows.map(line)].join('\n');
}

/** One line per run and phase: CPU per event of the processes beside the gateway, and the subgraphs' SQL. */
export function formatOthers(results: RunResult[]): string[] {
  const entries = (o: Record<string, number>, digits: number) =>
    Object.entries(o)
      .map(([k, v]) => `${k} ${v.toFixed(digits)}`)
      .join(', ') || '-';
  return results.flatMap((r) =>
    (['steady', 'burst'] as const).map(
      (name) => `  ${r.selection} N=${r.subscribers} ${name}: other CPU ms/event: ${entries(r[name].otherCpuMsPerEvent, 2)}; subgraph SQL in requests: ${entries(r[name].subgraphRequestSql, 0)}`,
    ),
  );
}
