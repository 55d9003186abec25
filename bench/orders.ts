/**
 * The order-placement benchmark (DESIGN.md "Targets"): orders placed through the gateway at a fixed
 * arrival rate, measuring placeOrder latency, placement → PAID as a bus subscriber sees it, orders
 * lost or stuck, SQL statements and events per order.
 *
 *   npm run bench:orders -- [--rate 100] [--seconds 20] [--settle 30]
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { startStack } from '../lib/testing/stack.js';
import { KeepAliveGraphQLClient } from './lib/http-client.js';
import { fireAtFixedRate } from './lib/open-loop.js';
import { machineInfo, formatReport, verdictOf, writeResult, type OrdersBenchResult } from './lib/orders-report.js';
import { distribution } from './lib/percentiles.js';
import { countTransactions, pipelineDelta, snapshotPipeline } from './lib/pipeline-counters.js';
import { seedShop, type Shopper } from './lib/seed-shop.js';
import { mainThreadCpuMs } from './lib/thread-cpu.js';
import { OrderStatusWatch } from './lib/status-watch.js';

const { values: flags } = parseArgs({
  options: {
    rate: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '20' },
    settle: { type: 'string', default: '30' },
    out: { type: 'string', default: new URL('./results/orders.json', import.meta.url).pathname },
  },
});
const RATE = Number(flags.rate);
const SECONDS = Number(flags.seconds);
const SETTLE_MS = Number(flags.settle) * 1000;
if (!(RATE > 0) || !(SECONDS > 0) || !(SETTLE_MS >= 0)) throw new Error('--rate and --seconds must be positive numbers, --settle zero or more.');
const PRODUCTS = 20;
const CUSTOMERS = 50;
const LINES_PER_ORDER = 2;

const PLACE_ORDER = `mutation($i: PlaceOrderInput!, $k: String!) { placeOrder(input: $i, idempotencyKey: $k) { id status } }`;

const began = performance.now();
const log = (line: string) => console.log(`[${((performance.now() - began) / 1000).toFixed(1).padStart(5)}s] ${line}`);

interface Placement {
  scheduledAt: number;
  answeredAt?: number;
  orderId?: string;
  error?: string;
}

/** Order `i`: a shopper in turn, and two different products chosen from `i`. */
function orderInput(i: number, shoppers: Shopper[], productIds: string[]) {
  const shopper = shoppers[i % shoppers.length];
  const first = i % productIds.length;
  const second = (first + 1 + ((i * 7) % (productIds.length - 1))) % productIds.length;
  const items = [
    { productId: productIds[first], quantity: 1 },
    { productId: productIds[second], quantity: 2 },
  ].slice(0, LINES_PER_ORDER);
  return { shopper, variables: { i: { items, paymentMethodId: shopper.cardId }, k: randomUUID() } };
}

async function main(): Promise<number> {
  const machine = machineInfo();
  log(`starting the stack (gateway and four subgraphs in this process)`);
  const stack = await startStack({ LOG_LEVEL: 'silent' });
  const client = new KeepAliveGraphQLClient(stack.gatewayUrl);
  const watch = new OrderStatusWatch(stack.bus);
  const transactions = countTransactions(stack);
  try {
    log(`seeding ${PRODUCTS} products and ${CUSTOMERS} customers with cards`);
    const { productIds, shoppers } = await seedShop(stack, { products: PRODUCTS, customers: CUSTOMERS, stockEach: 1_000_000 });

    const place = (i: number, scheduledAt: number, into: Placement[]) => {
      const { shopper, variables } = orderInput(i, shoppers, productIds);
      const p: Placement = { scheduledAt };
      into.push(p);
      return client.post(PLACE_ORDER, variables, shopper.token).then(
        (res) => {
          p.answeredAt = performance.now();
          if (res.errors?.length || !res.data?.placeOrder?.id) p.error = `HTTP ${res.status}: ${res.errors?.[0]?.message ?? 'no order in the answer'}`;
          else p.orderId = res.data.placeOrder.id;
        },
        (err: unknown) => {
          p.answeredAt = performance.now();
          p.error = String(err);
        },
      );
    };
    /** Waits until every answered placement is final, or `boundMs` is over; returns how many are not. */
    const settle = async (placements: Placement[], boundMs: number) => {
      const deadline = performance.now() + boundMs;
      for (;;) {
        const open = placements.filter((p) => p.orderId && !watch.finalStatus(p.orderId)).length;
        if (open === 0 || performance.now() > deadline) return open;
        await sleep(50);
      }
    };

    // Warm-up at the full rate (JIT, connection pools, query plans), not measured.
    const warmRate = Math.min(RATE, 100);
    log(`warming up: ${warmRate} orders over 1 s`);
    const warm: Placement[] = [];
    const warmCalls: Promise<void>[] = [];
    await fireAtFixedRate(warmRate, warmRate, (i, at) => warmCalls.push(place(i, at, warm)));
    await Promise.all(warmCalls);
    await settle(warm, 10_000);

    // One order alone, to count the statements a single placeOrder costs each subgraph.
    stack.resetSqlCounts();
    const alone: Placement[] = [];
    await place(0, performance.now(), alone);
    const isolatedSql = stack.sqlCounts();
    if (alone[0].error) throw new Error(`the isolated placeOrder failed: ${alone[0].error}`);
    await settle(alone, 10_000);

    const total = Math.round(RATE * SECONDS);
    log(`load: ${RATE} orders/s for ${SECONDS} s (${total} orders), open loop over keep-alive HTTP`);
    const before = await snapshotPipeline(stack, transactions);
    const placements: Placement[] = [];
    const calls: Promise<void>[] = [];
    const loadStart = performance.now();
    const cpuBefore = process.cpuUsage();
    const mainCpuBefore = mainThreadCpuMs();
    const eluBefore = performance.eventLoopUtilization();
    const progress = setInterval(() => {
      const answered = placements.filter((p) => p.answeredAt).length;
      const errors = placements.filter((p) => p.error).length;
      const paid = placements.filter((p) => p.orderId && watch.at(p.orderId, 'PAID')).length;
      log(`sent ${placements.length}  answered ${answered}  in flight ${placements.length - answered}  PAID ${paid}  errors ${errors}`);
    }, 2000);
    const { maxSendLagMs } = await fireAtFixedRate(RATE, total, (i, at) => calls.push(place(i + 1, at, placements)));
    const sendSeconds = (performance.now() - loadStart) / 1000;
    log(`all ${total} sent in ${sendSeconds.toFixed(1)} s; waiting up to ${SETTLE_MS / 1000} s for the answers and the sagas`);
    // One bound for both, so that an overloaded run still ends: a placement with no answer by then
    // is an error, an answered order with no final state is stuck.
    const deadline = performance.now() + SETTLE_MS;
    await Promise.race([Promise.all(calls), sleep(SETTLE_MS)]);
    const open = await settle(placements, deadline - performance.now());
    clearInterval(progress);
    for (const p of placements) if (!p.answeredAt) p.error = `no answer within ${SETTLE_MS / 1000} s after the last placement was sent`;
    const cpu = process.cpuUsage(cpuBefore);
    const mainCpuAfter = mainThreadCpuMs();
    const elu = performance.eventLoopUtilization(eluBefore);
    const windowSeconds = (performance.now() - loadStart) / 1000;
    log(open ? `${open} orders never reached a final state` : 'every placed order reached a final state');

    const placed = placements.filter((p) => p.orderId);
    const ids = placed.map((p) => p.orderId!);
    const rows = await stack.subgraphs.order.db.orm.em
      .getConnection()
      .execute<{ id: string; status: string }[]>('select id, status from orders where id = any(array[?]::uuid[])', [ids]);
    const dbStatus = new Map(rows.map((r) => [r.id, r.status]));
    const isFinal = (s: string | undefined) => s === 'PAID' || s === 'FAILED' || s === 'CANCELLED';
    const stuck = ids.filter((id) => dbStatus.has(id) && !isFinal(dbStatus.get(id))).length;
    // Accepted yet missing, or final in the database while its final event never reached the bus.
    const lost = ids.filter((id) => !dbStatus.has(id) || (isFinal(dbStatus.get(id)) && !watch.finalStatus(id))).length;
    const delta = pipelineDelta(before, await snapshotPipeline(stack, transactions));
    const n = Math.max(1, placed.length);
    const per = (m: Record<string, number>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, v / n]));
    const sum = (m: Record<string, number>) => Object.values(m).reduce((a, b) => a + b, 0);

    const partial: Omit<OrdersBenchResult, 'verdict'> = {
      config: { ratePerSecond: RATE, seconds: SECONDS, products: PRODUCTS, customers: CUSTOMERS, linesPerOrder: LINES_PER_ORDER, settleBoundMs: SETTLE_MS },
      machine,
      orders: {
        scheduled: total,
        placed: placed.length,
        errors: placements.filter((p) => p.error).length,
        paid: ids.filter((id) => dbStatus.get(id) === 'PAID').length,
        failed: ids.filter((id) => dbStatus.get(id) === 'FAILED').length,
        lost,
        stuck,
        achievedRatePerSecond: total / sendSeconds,
        maxSendLagMs,
      },
      process: {
        windowSeconds,
        mainThreadCpuMsPerOrder: mainCpuBefore === null || mainCpuAfter === null ? null : (mainCpuAfter - mainCpuBefore) / total,
        processCpuMsPerOrder: (cpu.user + cpu.system) / 1000 / total,
        eventLoopUtilization: elu.utilization,
      },
      latencyMs: {
        placeOrder: distribution(placed.map((p) => p.answeredAt! - p.scheduledAt)),
        placementToPaid: distribution(placed.flatMap((p) => (watch.at(p.orderId!, 'PAID') ? [watch.at(p.orderId!, 'PAID')! - p.scheduledAt] : []))),
      },
      sql: {
        perIsolatedPlaceOrder: isolatedSql,
        perIsolatedPlaceOrderTotal: sum(isolatedSql),
        perOrderAllWork: sum(delta.sqlTotal) / n,
        perOrderByService: per(delta.sqlTotal),
        transactionsPerOrder: sum(delta.transactions) / n,
        transactionsPerOrderByService: per(delta.transactions),
      },
      events: {
        publishedPerOrder: sum(delta.published) / n,
        publishedPerOrderByService: per(delta.published),
        outboxRowsPerOrderByType: per(delta.outboxByType),
      },
      sampleErrors: [...new Set(placements.flatMap((p) => (p.error ? [p.error] : [])))].slice(0, 5),
    };
    const result: OrdersBenchResult = { ...partial, verdict: verdictOf(partial) };
    console.log(formatReport(result));
    await writeResult(flags.out!, result);
    log(`results written to ${flags.out}`);
    return result.verdict.pass ? 0 : 1;
  } finally {
    watch.close();
    client.close();
    await stack.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(2);
  },
);
