import type { MixedResult, OperationStats } from './mixed-workload.js';

/** The issue's targets for the mixed workload at 1,000 users. */
export const MIXED_TARGETS = { everyOperationP95Ms: 500, placeOrderP99Ms: 500, errors: 0 } as const;

export interface MixedVerdict {
  everyOperationP95: boolean;
  placeOrderP99: boolean;
  noErrors: boolean;
  pass: boolean;
}

export function mixedVerdict(r: MixedResult): MixedVerdict {
  const ops = Object.values(r.operations);
  const everyOperationP95 = ops.every((o) => o.count === 0 || (o.p95 !== null && o.p95 <= MIXED_TARGETS.everyOperationP95Ms));
  const placeOrderP99 = r.operations.placeOrder.p99 !== null && r.operations.placeOrder.p99 <= MIXED_TARGETS.placeOrderP99Ms;
  const noErrors = ops.reduce((n, o) => n + o.errors, 0) + r.subscriptions.errors <= MIXED_TARGETS.errors;
  return { everyOperationP95, placeOrderP99, noErrors, pass: everyOperationP95 && placeOrderP99 && noErrors };
}

const ms = (v: number | null) => (v === null ? '-' : v.toFixed(1));
const mark = (ok: boolean) => (ok ? 'PASS' : 'FAIL');

function table(rows: string[][], rightAligned: boolean[]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => '  ' + r.map((cell, c) => (rightAligned[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  '));
}

/** The human summary: the load, one row per operation (ms from the time each action was due), the subscribers, the verdict. */
export function formatMixedReport(r: MixedResult, header: string[] = []): string {
  const row = (name: string, o: Omit<OperationStats, 'errors'> & { errors?: number }) => [
    name,
    String(o.count),
    o.errors === undefined ? '' : String(o.errors),
    ms(o.p50),
    ms(o.p95),
    ms(o.p99),
    ms(o.max),
  ];
  const ops = Object.entries(r.operations);
  const s = r.subscriptions;
  const v = mixedVerdict(r);
  const httpErrors = ops.reduce((n, [, o]) => n + o.errors, 0);
  return [
    '',
    ...header,
    `Mixed workload — ${r.users} users, think ${r.thinkMs} ms mean → ${r.arrivalRatePerSecond.toFixed(1)} actions/s scheduled ` +
      `(${r.achievedRatePerSecond.toFixed(1)}/s sent) for ${r.seconds} s measured${r.warmupSeconds ? ` after ${r.warmupSeconds} s of warm-up` : ''}; ` +
      `worst send lag ${r.maxSendLagMs.toFixed(1)} ms`,
    `Mix: ${ops.map(([name]) => `${name} ${Math.round(r.mix[name as keyof MixedResult['mix']] * 1000) / 10}%`).join(', ')}`,
    '',
    ...table(
      [
        ['operation', 'count', 'errors', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'],
        ...ops.map(([name, o]) => row(name, o)),
        row('placement → PAID pushed', s.placementToPaidPushed),
      ],
      [false, true, true, true, true, true, true],
    ),
    '',
    `Subscriptions: ${s.held} held at the end (${s.opened} of ${s.wanted} opened), ${s.eventsReceived} events received, ${s.errors} errors; ` +
      `${s.placementToPaidPushed.missing} of the subscribed accounts' orders never pushed PAID`,
    ...(r.subgraphFetches
      ? [
          '',
          "The gateway's fetches to each subgraph (its /metrics histogram; p95 to the bucket):",
          ...table(
            [
              ['subgraph', 'fetches', 'failed', 'mean ms', 'p95 ms'],
              ...Object.entries(r.subgraphFetches).map(([name, f]) => [name, String(f.count), String(f.failed), f.meanMs.toFixed(1), f.p95AtMostMs === null ? '> 10000' : `≤ ${f.p95AtMostMs}`]),
            ],
            [false, true, true, true, true],
          ),
        ]
      : []),
    '',
    'Verdict against the issue targets',
    `  ${mark(v.everyOperationP95)}  every operation p95 ≤ ${MIXED_TARGETS.everyOperationP95Ms} ms`,
    `  ${mark(v.placeOrderP99)}  placeOrder p99 ${ms(r.operations.placeOrder.p99)} ms ≤ ${MIXED_TARGETS.placeOrderP99Ms} ms`,
    `  ${mark(v.noErrors)}  ${httpErrors} request errors, ${s.errors} subscription errors (target 0)`,
    `  ${mark(v.pass)} overall`,
    ...(r.errorSamples.length ? ['', 'Most frequent errors:', ...r.errorSamples.map((e) => `  ${e}`)] : []),
    '',
  ].join('\n');
}
