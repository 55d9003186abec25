/**
 * The whole benchmark suite in one command (issue 8): exact counts, gateway vs direct, ours vs
 * Hive Gateway, batched vs unbatched loaders, a mixed workload, and the order-placement and
 * subscription fan-out benchmarks. Prints a table of medians and ratios and writes
 * bench/results/latest.json and bench/results/README.md.
 *
 *   npm run bench -- [--rounds 3] [--seconds 4] [--connections 32] [--only exact,throughput,mixed,orders,subscriptions]
 */
import { parseArgs } from 'node:util';
import { BenchCluster } from './lib/cluster.js';
import { machineInfo } from './lib/orders-report.js';
import { seedSettledOrders } from './lib/seed-orders.js';
import { seedShop } from './lib/seed-shop.js';
import { runChildBench, type ChildBenchResult } from './scenarios/child-benches.js';
import { measureExactCounts, type ExactCounts } from './scenarios/exact-counts.js';
import { runMixed, type MixedSummary } from './scenarios/mixed.js';
import { runPairs, throughputPairs, type PairResult } from './scenarios/throughput.js';
import { renderReport, targetsOf, writeReport, type SuiteResult } from './scenarios/report.js';
import { exitWith } from './lib/exit-with.js';

const SCENARIOS = ['exact', 'throughput', 'mixed', 'orders', 'subscriptions'] as const;
type Scenario = (typeof SCENARIOS)[number];

const { values: flags } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '4' },
    connections: { type: 'string', default: '32' },
    only: { type: 'string', default: SCENARIOS.join(',') },
    'no-hive': { type: 'boolean', default: false },
  },
});
const only = new Set(flags.only!.split(',').map((s) => s.trim()));
for (const s of only) if (!SCENARIOS.includes(s as Scenario)) throw new Error(`--only: unknown scenario "${s}" (known: ${SCENARIOS.join(', ')})`);
const ROUNDS = Number(flags.rounds);
const SECONDS = Number(flags.seconds);
const CONNECTIONS = Number(flags.connections);
if (!(ROUNDS >= 1 && SECONDS > 0 && CONNECTIONS >= 1)) throw new Error('--rounds, --seconds and --connections must be positive numbers.');

const began = performance.now();
const log = (line: string) => console.log(`[${((performance.now() - began) / 1000).toFixed(1).padStart(6)}s] ${line}`);

async function main(): Promise<number> {
  const machine = { ...machineInfo(), note: 'Each subgraph and gateway its own process; the load generator in this one; Postgres and NATS beside them on the same cores.' };
  const result: SuiteResult = { when: new Date().toISOString(), machine, settings: { rounds: ROUNDS, seconds: SECONDS, connections: CONNECTIONS }, targets: [] };

  if (only.has('exact')) {
    log('scenario 1: exact counts (in-process stack, SQL statements and subgraph fetches per operation)');
    result.exact = await measureExactCounts(log);
  }

  if (only.has('throughput') || only.has('mixed')) {
    const hive = !flags['no-hive'] && only.has('throughput');
    log(`starting the cluster: four subgraphs and our gateway${only.has('throughput') ? ', a gateway without deduplication, unbatched copies of all five' : ''}${hive ? ', Hive Gateway with and without deduplication' : ''}, each a process`);
    const cluster = await BenchCluster.start({ unbatched: only.has('throughput'), plain: only.has('throughput'), hive }, log);
    try {
      log('seeding: 20 products, 20 shoppers with cards, 20 settled orders to read');
      const shop = await seedShop(cluster, { products: 20, customers: 20, stockEach: 1_000_000 });
      await seedSettledOrders(cluster, shop.shoppers[0], shop.productIds, 20);
      if (only.has('throughput')) {
        log(`scenarios 2–4: ${ROUNDS} interleaved rounds of ${SECONDS} s per side, ${CONNECTIONS} connections`);
        const { pairs, close } = await throughputPairs({ cluster, customerToken: shop.shoppers[0].token, connections: CONNECTIONS, ordersPageSize: 10 }, { hive, unbatched: true });
        try {
          const servicePids = cluster.processes().flatMap((e) => (e.process.pid ? [e.process.pid] : []));
          result.pairs = await runPairs(pairs, { rounds: ROUNDS, seconds: SECONDS, warmupSeconds: 2, servicePids }, log);
        } finally {
          close();
        }
      }
      if (only.has('mixed')) {
        await cluster.stopComparisonProcesses();
        log('scenario 5: mixed workload (the comparison gateways and unbatched subgraphs stopped)');
        result.mixed = await runMixed(cluster, shop, log);
      }
    } finally {
      await cluster.stop();
    }
  }

  const children: ChildBenchResult[] = [];
  if (only.has('orders')) children.push(await runChildBench('orders', log));
  if (only.has('subscriptions')) children.push(await runChildBench('subscriptions', log));
  if (children.length) result.children = children;

  result.targets = targetsOf(result);
  console.log('\n' + renderReport(result));
  const complete = SCENARIOS.every((s) => only.has(s)) && !flags['no-hive'];
  log(`wrote ${await writeReport(result, complete)}`);
  return result.targets.every((t) => t.met) ? 0 : 1;
}

exitWith(main);
