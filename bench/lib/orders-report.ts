import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import type { Distribution } from './percentiles.js';

export const TARGETS = { placeOrderP99Ms: 100, placementToPaidP99Ms: 500, lostOrStuck: 0 } as const;

/** One process's CPU over the measured window, per order sent; null where it cannot be read. */
export interface ProcessCpu {
  /** User + system time of the whole process (all its threads: GC and compiler helpers too). */
  msPerOrder: number | null;
  /** Of which on its main thread, the one event loop. */
  mainThreadMsPerOrder: number | null;
  /** Time in garbage-collection pauses. */
  gcMsPerOrder: number | null;
  /** Share of the window its event loop was busy (1 = saturated). */
  loopUtilization: number | null;
}

export interface OrdersBenchResult {
  config: {
    ratePerSecond: number;
    seconds: number;
    products: number;
    customers: number;
    linesPerOrder: number;
    settleBoundMs: number;
    /** `cluster`: each service a process (BenchCluster); `in-process`: all of them and the load generator in one (startStack). */
    mode: 'cluster' | 'in-process';
    /** How the services reach Postgres. */
    postgres: 'tcp' | 'unix-socket';
  };
  machine: { cpus: number; cpuModel: string; node: string; loadAverageAtStart: number; loadAverageAtEnd?: number; note: string };
  orders: { scheduled: number; placed: number; errors: number; paid: number; failed: number; lost: number; stuck: number; achievedRatePerSecond: number; maxSendLagMs: number };
  /**
   * CPU from the first order to the last final state, per order sent, by process: each service
   * (cluster) or the one process of everything (in-process), the load generator, and beside them
   * Postgres and nats-server (every process of those commands on the machine), and the machine's
   * busy time as a whole (`machineMsPerOrder`: anything else running shows up as the difference).
   * Fixed costs (polls, timers) are spread over the orders, so low rates read higher per order.
   */
  cpu: {
    windowSeconds: number;
    processes: Record<string, ProcessCpu>;
    machineMsPerOrder: number | null;
    machineBusyCores: number | null;
    /** CPU ms per second each process used with no orders (after the warm-up, before the load): its fixed cost. */
    idleMsPerSecond?: Record<string, number>;
  };
  /** The services' connections to this run's databases by transport, from pg_stat_activity during the load (cluster only). */
  postgresConnections?: { unixSocket: number; tcp: number };
  latencyMs: { placeOrder: Distribution; placementToPaid: Distribution };
  sql: {
    perIsolatedPlaceOrder: Record<string, number>;
    perIsolatedPlaceOrderTotal: number;
    perOrderAllWork: number;
    perOrderByService: Record<string, number>;
    /** Messages to Postgres, transaction control included (cluster only). */
    roundTripsPerOrder?: number;
    roundTripsPerOrderByService?: Record<string, number>;
    transactionsPerOrder: number;
    transactionsPerOrderByService: Record<string, number>;
  };
  events: { publishedPerOrder: number; publishedPerOrderByService: Record<string, number>; outboxRowsPerOrderByType: Record<string, number> };
  sampleErrors: string[];
  verdict: { placeOrderP99: boolean; placementToPaidP99: boolean; noLostOrStuck: boolean; noErrors: boolean; pass: boolean };
}

export function verdictOf(r: Omit<OrdersBenchResult, 'verdict'>): OrdersBenchResult['verdict'] {
  const placeOrderP99 = r.latencyMs.placeOrder.p99 !== null && r.latencyMs.placeOrder.p99 <= TARGETS.placeOrderP99Ms;
  const placementToPaidP99 = r.latencyMs.placementToPaid.p99 !== null && r.latencyMs.placementToPaid.p99 <= TARGETS.placementToPaidP99Ms;
  const noLostOrStuck = r.orders.lost + r.orders.stuck <= TARGETS.lostOrStuck;
  const noErrors = r.orders.errors === 0;
  return { placeOrderP99, placementToPaidP99, noLostOrStuck, noErrors, pass: placeOrderP99 && placementToPaidP99 && noLostOrStuck && noErrors };
}

const ms = (v: number | null) => (v === null ? '-' : `${v.toFixed(1)} ms`);
const mark = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
const perOrder = (m: Record<string, number>) =>
  Object.entries(m)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${k} ${v.toFixed(2)}`)
    .join(', ');

/** The human summary: one table of what was measured, then the verdict line by line. */
export function formatReport(r: OrdersBenchResult): string {
  const { orders: o, latencyMs: l } = r;
  const rows: [string, string][] = [
    ['load', `${r.config.ratePerSecond} orders/s for ${r.config.seconds} s (achieved ${o.achievedRatePerSecond.toFixed(1)}/s, worst send lag ${o.maxSendLagMs.toFixed(1)} ms)`],
    ['orders', `${o.scheduled} scheduled, ${o.placed} placed, ${o.paid} PAID, ${o.failed} FAILED`],
    ['errors', String(o.errors)],
    ['lost / stuck', `${o.lost} / ${o.stuck}`],
    ['placeOrder', `p50 ${ms(l.placeOrder.p50)}  p90 ${ms(l.placeOrder.p90)}  p99 ${ms(l.placeOrder.p99)}  max ${ms(l.placeOrder.max)}`],
    ['placement → PAID', `p50 ${ms(l.placementToPaid.p50)}  p90 ${ms(l.placementToPaid.p90)}  p99 ${ms(l.placementToPaid.p99)}  max ${ms(l.placementToPaid.max)}`],
    ...cpuRows(r),
    ['SQL per placeOrder', `${r.sql.perIsolatedPlaceOrderTotal} in requests (${perOrder(r.sql.perIsolatedPlaceOrder) || 'none'})`],
    ['SQL per order, all', `${r.sql.perOrderAllWork.toFixed(1)} incl. saga and relays (${perOrder(r.sql.perOrderByService)})`],
    ...(r.sql.roundTripsPerOrder === undefined
      ? []
      : ([['round trips per order', `${r.sql.roundTripsPerOrder.toFixed(1)} to Postgres, BEGIN and COMMIT included (${perOrder(r.sql.roundTripsPerOrderByService ?? {})})`]] as [string, string][])),
    ['transactions per order', `${r.sql.transactionsPerOrder.toFixed(1)} (${perOrder(r.sql.transactionsPerOrderByService)})`],
    ['events per order', `${r.events.publishedPerOrder.toFixed(2)} published (${perOrder(r.events.publishedPerOrderByService)})`],
    ['  by type', perOrder(r.events.outboxRowsPerOrderByType)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const v = r.verdict;
  return [
    '',
    `Order placement benchmark — ${r.machine.cpus} CPUs (${r.machine.cpuModel}), Node ${r.machine.node}, load average ${r.machine.loadAverageAtStart} at start${r.machine.loadAverageAtEnd === undefined ? '' : `, ${r.machine.loadAverageAtEnd} at the end`}`,
    r.machine.note,
    '',
    ...rows.map(([k, val]) => `  ${k.padEnd(width)}  ${val}`),
    '',
    'Verdict against DESIGN.md targets',
    `  ${mark(v.placeOrderP99)}  placeOrder p99 ${ms(l.placeOrder.p99)} ≤ ${TARGETS.placeOrderP99Ms} ms`,
    `  ${mark(v.placementToPaidP99)}  placement → PAID p99 ${ms(l.placementToPaid.p99)} ≤ ${TARGETS.placementToPaidP99Ms} ms`,
    `  ${mark(v.noLostOrStuck)}  ${o.lost + o.stuck} orders lost or stuck (target 0)`,
    `  ${mark(v.noErrors)}  ${o.errors} placeOrder errors (target 0)`,
    `  ${v.pass ? 'PASS' : 'FAIL'} overall`,
    ...(r.sampleErrors.length ? ['', 'First errors:', ...r.sampleErrors.map((e) => `  ${e}`)] : []),
    '',
  ].join('\n');
}

const num = (v: number | null, digits = 1) => (v === null ? '-' : v.toFixed(digits));

/** One row per process: CPU ms per order sent, its main thread's share, GC, and how busy its loop was. */
function cpuRows(r: OrdersBenchResult): [string, string][] {
  const c = r.cpu;
  const rows: [string, string][] = Object.entries(c.processes).map(([name, p]) => [
    `CPU/order ${name}`,
    `${num(p.msPerOrder)} ms` +
      (p.mainThreadMsPerOrder === null ? '' : ` (main thread ${num(p.mainThreadMsPerOrder)})`) +
      (p.gcMsPerOrder === null ? '' : `, GC ${num(p.gcMsPerOrder)}`) +
      (p.loopUtilization === null ? '' : `, loop ${(100 * p.loopUtilization).toFixed(0)}% busy`),
  ]);
  if (c.idleMsPerSecond) {
    rows.push([
      'idle CPU, ms per s',
      Object.entries(c.idleMsPerSecond)
        .map(([k, v]) => `${k.replace(/ \(.*\)$/, '')} ${v.toFixed(0)}`)
        .join(', '),
    ]);
  }
  rows.push([
    'CPU/order machine',
    `${num(c.machineMsPerOrder)} ms, all processes (${num(c.machineBusyCores, 2)} of ${r.machine.cpus} cores busy over ${c.windowSeconds.toFixed(0)} s)`,
  ]);
  if (r.postgresConnections) rows.push(['Postgres connections', `${r.postgresConnections.unixSocket} over the Unix socket, ${r.postgresConnections.tcp} over TCP (services, during the load)`]);
  return rows;
}

export async function writeResult(path: string, r: OrdersBenchResult): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify({ measuredAt: new Date().toISOString(), ...r }, null, 2)}\n`);
}

export function machineInfo(
  note = 'Gateway, four subgraphs, their relays and consumers, and the load generator all run in this one Node process (one event loop); Postgres and NATS run beside it on the same machine.',
): OrdersBenchResult['machine'] {
  const c = cpus();
  return {
    cpus: c.length,
    cpuModel: c[0]?.model.trim() ?? 'unknown',
    node: process.versions.node,
    // Other work on the machine competes for the same two cores: a busy machine explains a slow run.
    loadAverageAtStart: Math.round(loadavg()[0] * 100) / 100,
    note,
  };
}
