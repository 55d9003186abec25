import { mkdir, writeFile } from 'node:fs/promises';
import type { OrdersBenchResult } from '../lib/orders-report.js';
import type { ChildBenchResult } from './child-benches.js';
import { PAGE_SIZES, type ExactCounts } from './exact-counts.js';
import type { MixedSummary } from './mixed.js';
import type { PairResult } from './throughput.js';

export interface Target {
  name: string;
  value: string;
  target: string;
  met: boolean;
}

export interface SuiteResult {
  when: string;
  machine: { cpus: number; cpuModel: string; node: string; loadAverageAtStart: number; note: string };
  settings: { rounds: number; seconds: number; connections: number };
  exact?: ExactCounts;
  pairs?: PairResult[];
  mixed?: MixedSummary;
  children?: ChildBenchResult[];
  targets: Target[];
}

const RESULTS_DIR = new URL('../results/', import.meta.url);

/** The bar, each line measured in this run. */
export function targetsOf(r: SuiteResult): Target[] {
  const out: Target[] = [];
  if (r.exact) out.push({ name: 'SQL statements and subgraph fetches constant across page sizes', value: r.exact.constant ? 'constant' : 'vary', target: 'constant', met: r.exact.constant });
  const pair = (id: string) => r.pairs?.find((p) => p.id === id);
  for (const id of ['hive-products', 'hive-orders']) {
    const p = pair(id);
    if (p) out.push({ name: `throughput ${p.title}`, value: `${p.throughputRatio}×`, target: '≥ 1.0×', met: p.throughputRatio >= 1 && p.a.median.errors === 0 });
  }
  const direct = pair('direct-orders');
  if (direct) out.push({ name: 'throughput gateway ÷ direct, cross-subgraph query', value: `${direct.throughputRatio}×`, target: '≥ 0.3×', met: direct.throughputRatio >= 0.3 && direct.a.median.errors === 0 });
  if (r.mixed) {
    const ops = Object.entries(r.mixed.operations);
    // An operation with no completed sample has no percentile: that fails the bar rather than passing it.
    const p95 = (s: (typeof ops)[number][1]) => s.p95 ?? Infinity;
    const worst = ops.reduce((w, [op, s]) => (p95(s) > w.p95 ? { op, p95: p95(s) } : w), { op: '-', p95: 0 });
    out.push({ name: `mixed workload: p95 of every operation (worst: ${worst.op})`, value: `${worst.p95} ms`, target: '≤ 500 ms', met: ops.length > 0 && ops.every(([, s]) => p95(s) <= 500) });
    const place = r.mixed.operations.placeOrder;
    if (place) out.push({ name: 'mixed workload: placeOrder p99', value: `${place.p99} ms`, target: '≤ 500 ms', met: (place.p99 ?? Infinity) <= 500 });
    const errors = ops.reduce((n, [, s]) => n + s.errors, 0) + r.mixed.subscriptions.errors;
    out.push({ name: 'mixed workload: errors', value: String(errors), target: '0', met: errors === 0 });
  }
  for (const child of r.children ?? []) {
    if (child.name === 'orders') {
      const o = child.result as OrdersBenchResult;
      out.push({
        name: `orders at ${o.config.ratePerSecond}/s (${o.config.seconds} s): placeOrder p99 / → PAID p99 / lost+stuck`,
        value: `${o.latencyMs.placeOrder.p99} ms / ${o.latencyMs.placementToPaid.p99} ms / ${o.orders.lost + o.orders.stuck}`,
        target: '≤ 100 ms / ≤ 500 ms / 0',
        met: o.verdict.pass,
      });
    } else {
      for (const run of child.result.results as any[]) {
        out.push({
          name: `subscriptions N=${run.subscribers} (${run.selection}): delivered / p99 at ${run.steady.ratePerSecond}/s (burst of ${run.burst.events}: p99)`,
          value: `${Math.round(Math.min(run.steady.deliveryRatio, run.burst.deliveryRatio) * 1000) / 10}% / ${run.steady.latencyMs.p99} ms (${run.burst.latencyMs.p99} ms)`,
          target: `100% / ≤ ${run.subscribers <= 1000 ? 100 : 500} ms (reported)`,
          met: run.pass,
        });
      }
    }
  }
  return out;
}

const cpu = (ms: number | null) => (ms === null ? '-' : ms.toFixed(2));

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

/** The human report: one table per scenario, then the targets. */
export function renderReport(r: SuiteResult): string {
  const out: string[] = [`Benchmarks — ${r.machine.cpus} CPUs (${r.machine.cpuModel}), Node ${r.machine.node}, load average ${r.machine.loadAverageAtStart} at start, ${r.when}`, ''];
  if (r.exact) {
    out.push('1. Exact counts per operation: SQL statements (order/inventory/payment/notification) and subgraph fetches, by page size');
    const rows = Object.entries(r.exact.queries).flatMap(([q, bySize]) =>
      PAGE_SIZES.map((n) => [q, String(n), Object.values(bySize[n].sql).join('/'), String(Object.values(bySize[n].sql).reduce((a, b) => a + b, 0)), Object.values(bySize[n].fetches).join('/')]),
    );
    out.push(...table(['query', 'page', 'SQL o/i/p/n', 'SQL total', 'fetches o/i/p/n'], rows), '');
  }
  if (r.pairs) {
    out.push(`2–4. Throughput, medians of ${r.settings.rounds} interleaved rounds of ${r.settings.seconds} s per side, ${r.settings.connections} connections`);
    const rows = r.pairs.flatMap((p) => [
      [p.title, p.a.label, String(p.a.median.requestsPerSecond), String(p.a.median.p50Ms), String(p.a.median.p99Ms), String(p.a.median.errors), cpu(p.a.median.gatewayCpuMsPerRequest), `${p.throughputRatio}×`, `${p.addedP50Ms >= 0 ? '+' : ''}${p.addedP50Ms}`],
      ['', p.b.label, String(p.b.median.requestsPerSecond), String(p.b.median.p50Ms), String(p.b.median.p99Ms), String(p.b.median.errors), cpu(p.b.median.gatewayCpuMsPerRequest), '', ''],
    ]);
    out.push(...table(['comparison', 'side', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'gw CPU ms/req', 'ratio a÷b', 'Δp50 ms'], rows), '');
  }
  if (r.mixed) {
    const m = r.mixed;
    out.push(`5. Mixed workload: ${m.settings.users} users, think time ${m.settings.thinkMs / 1000} s, ${m.arrivalRatePerSecond} operations/s for ${m.settings.seconds} s, ${m.subscriptions.held} subscriptions held (${m.subscriptions.eventsReceived} events, ${m.subscriptions.errors} errors)`);
    const rows = Object.entries(m.operations).map(([op, s]) => [op, String(s.count), String(s.errors), String(s.p50), String(s.p95), String(s.p99), String(s.max)]);
    out.push(...table(['operation', 'count', 'errors', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'], rows), '');
  }
  if (r.children?.length) {
    out.push('6. Order placement and subscription fan-out (shortened; full runs: npm run bench:orders, npm run bench:subscriptions)');
    for (const c of r.children) out.push(`   ${c.command} → exit ${c.exitCode}`);
    out.push('');
  }
  out.push('Targets');
  out.push(...table(['target', 'measured', 'bar', ''], r.targets.map((t) => [t.name, t.value, t.target, t.met ? 'PASS' : 'FAIL'])));
  return out.join('\n');
}

/**
 * A full run writes bench/results/latest.json (everything) and bench/results/README.md (the
 * tables); a run of some scenarios only writes bench/results/partial.json, so the published
 * figures always come from one complete run. Returns what it wrote.
 */
export async function writeReport(r: SuiteResult, complete: boolean): Promise<string> {
  await mkdir(RESULTS_DIR, { recursive: true });
  if (!complete) {
    await writeFile(new URL('partial.json', RESULTS_DIR), `${JSON.stringify(r, null, 2)}\n`);
    return 'bench/results/partial.json (not a full run: latest.json left as it was)';
  }
  await writeFile(new URL('latest.json', RESULTS_DIR), `${JSON.stringify(r, null, 2)}\n`);
  const md = [
    '# Latest benchmark run',
    '',
    'Written by `npm run bench` (bench/run.ts); the JSON beside it holds every round. Each throughput figure is the median of',
    'interleaved rounds (A B A B …) on the same machine in the same run, so the ratios are what to compare across machines.',
    '',
    '```',
    renderReport(r),
    '```',
    '',
  ].join('\n');
  await writeFile(new URL('README.md', RESULTS_DIR), md);
  return 'bench/results/latest.json and bench/results/README.md';
}
