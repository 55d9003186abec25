/**
 * The mixed-workload benchmark (the load target of 1,000 concurrent users): starts the whole stack
 * in this process, seeds a catalog and shoppers, runs bench/lib/mixed-workload.ts against the
 * gateway and prints p50/p95/p99 per operation and the errors.
 *
 *   node --import tsx bench/mixed.ts -- [--users 1000] [--warmup 10] [--seconds 30] [--think 10000] [--subscribe 0.1]
 *                                       [--products 20] [--customers 50] [--db-pool 4] [--out results.json]
 *
 * --db-pool sets each service's connection pool (DB_POOL_MAX); by default the test stack's small one.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { startStack } from '../lib/testing/stack.js';
import { formatMixedReport, mixedVerdict } from './lib/mixed-report.js';
import { runMixedWorkload } from './lib/mixed-workload.js';
import { machineInfo } from './lib/orders-report.js';
import { seedShop } from './lib/seed-shop.js';
import { exitWith } from './lib/exit-with.js';

// `node bench/mixed.ts -- --users 10` passes the `--` through; parseArgs would take what follows as positionals.
const argv = process.argv.slice(2);
const { values: flags } = parseArgs({
  args: argv[0] === '--' ? argv.slice(1) : argv,
  options: {
    users: { type: 'string', default: '1000' },
    warmup: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '30' },
    think: { type: 'string', default: '10000' },
    subscribe: { type: 'string', default: '0.1' },
    products: { type: 'string', default: '20' },
    customers: { type: 'string', default: '50' },
    'db-pool': { type: 'string' },
    out: { type: 'string' },
  },
});
const USERS = Number(flags.users);
const WARMUP = Number(flags.warmup);
const SECONDS = Number(flags.seconds);
const THINK_MS = Number(flags.think);
const SUBSCRIBE = Number(flags.subscribe);
const PRODUCTS = Number(flags.products);
const CUSTOMERS = Number(flags.customers);
if (![USERS, SECONDS, THINK_MS, PRODUCTS, CUSTOMERS].every((n) => n > 0) || !(WARMUP >= 0) || !(SUBSCRIBE >= 0 && SUBSCRIBE <= 1)) {
  throw new Error('--users, --seconds, --think, --products and --customers must be positive; --warmup zero or more; --subscribe within 0…1.');
}

const began = performance.now();
const log = (line: string) => console.log(`[${((performance.now() - began) / 1000).toFixed(1).padStart(5)}s] ${line}`);

async function main(): Promise<number> {
  const machine = machineInfo();
  log('starting the stack (gateway and four subgraphs in this process)');
  const stack = await startStack({ LOG_LEVEL: 'silent', ...(flags['db-pool'] ? { DB_POOL_MAX: flags['db-pool'] } : {}) });
  try {
    log(`seeding ${PRODUCTS} products and ${CUSTOMERS} customers with cards`);
    const { productIds, shoppers } = await seedShop(stack, { products: PRODUCTS, customers: CUSTOMERS, stockEach: 10_000_000 });
    // The whole supergraph shares this process: its CPU per action is the cost of the mix on one event loop.
    const cpuBefore = process.cpuUsage();
    const eluBefore = performance.eventLoopUtilization();
    const wallBefore = performance.now();
    const result = await runMixedWorkload(
      { gatewayUrl: stack.gatewayUrl, shoppers, productIds },
      { users: USERS, warmupSeconds: WARMUP, seconds: SECONDS, thinkMs: THINK_MS, subscribeShare: SUBSCRIBE },
      log,
    );
    const cpu = process.cpuUsage(cpuBefore);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const wallSeconds = (performance.now() - wallBefore) / 1000;
    const actions = Object.values(result.operations).reduce((n, o) => n + o.count, 0);
    console.log(
      formatMixedReport(result, [
        `${machine.cpus} CPUs (${machine.cpuModel}), Node ${machine.node}, load average ${machine.loadAverageAtStart} at start`,
        `${machine.note} ${PRODUCTS} products, ${CUSTOMERS} shopper accounts.`,
        `This process: ${cpuSeconds.toFixed(1)} CPU-s over ${wallSeconds.toFixed(1)} s (${((1000 * cpuSeconds) / Math.max(1, actions)).toFixed(1)} ms per action, ` +
          `background work and subscriber pushes included); event loop ${(100 * performance.eventLoopUtilization(eluBefore).utilization).toFixed(0)}% busy.`,
      ]),
    );
    if (flags.out) {
      await mkdir(dirname(flags.out), { recursive: true });
      await writeFile(flags.out, `${JSON.stringify({ measuredAt: new Date().toISOString(), machine, result, verdict: mixedVerdict(result) }, null, 2)}\n`);
      log(`results written to ${flags.out}`);
    }
    return mixedVerdict(result).pass ? 0 : 1;
  } finally {
    log('stopping the stack');
    await stack.stop();
  }
}

exitWith(main);
