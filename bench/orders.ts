/**
 * The order-placement benchmark (DESIGN.md "Targets"): orders placed through the gateway at a fixed
 * arrival rate, measuring placeOrder latency, placement → PAID as a bus subscriber sees it, orders
 * lost or stuck, SQL statements and events per order, CPU per order of every process.
 *
 * By default the supergraph runs as production runs it, each subgraph and the gateway a process of
 * its own (bench/lib/cluster.ts), with bench/lib/service-probe.ts loaded in each to count SQL
 * statements and transactions and to read CPU; `--in-process` runs it all in this one process
 * instead (lib/testing/stack.ts, one core). `--socket` (or BENCH_PG_SOCKET=1) has the services reach
 * Postgres over its Unix socket rather than TCP; `--cpu-prof <dir>` writes a CPU profile of each
 * service over the measured window (cluster only).
 *
 *   npm run bench:orders -- [--rate 100] [--seconds 20] [--settle 30] [--socket] [--in-process] [--cpu-prof dir]
 */
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { KeepAliveGraphQLClient } from './lib/http-client.js';
import { cpuByCommand, machineBusyMs } from './lib/machine-cpu.js';
import { fireAtFixedRate } from './lib/open-loop.js';
import { clusterBackend, inProcessBackend, type CpuReading, type OrdersBackend } from './lib/orders-backend.js';
import { machineInfo, formatReport, verdictOf, writeResult, type OrdersBenchResult, type ProcessCpu } from './lib/orders-report.js';
import { distribution } from './lib/percentiles.js';
import { pipelineDelta } from './lib/pipeline-counters.js';
import { seedShop, type Shopper } from './lib/seed-shop.js';
import { mainThreadCpuMs } from './lib/thread-cpu.js';
import { OrderStatusWatch } from './lib/status-watch.js';
import { exitWith } from './lib/exit-with.js';

const { values: flags } = parseArgs({
  options: {
    rate: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '20' },
    settle: { type: 'string', default: '30' },
    out: { type: 'string', default: new URL('./results/orders.json', import.meta.url).pathname },
    'in-process': { type: 'boolean', default: false },
    socket: { type: 'boolean', default: process.env.BENCH_PG_SOCKET === '1' },
    'cpu-prof': { type: 'string' },
    idle: { type: 'string', default: '3' },
  },
});
if (flags['in-process'] && (flags.socket || flags['cpu-prof'])) throw new Error('--socket and --cpu-prof are for the cluster: leave out --in-process.');
const RATE = Number(flags.rate);
const SECONDS = Number(flags.seconds);
const SETTLE_MS = Number(flags.settle) * 1000;
const IDLE_MS = Number(flags.idle) * 1000;
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

/** This process (the load generator, and in-process everything) as a CPU reading. */
function ownCpu(): CpuReading {
  const cpu = process.cpuUsage();
  const elu = performance.eventLoopUtilization();
  return { processMs: (cpu.user + cpu.system) / 1000, mainThreadMs: mainThreadCpuMs(), gcMs: null, loopActiveMs: elu.active, loopIdleMs: elu.idle };
}

/** Every process's CPU: the services, the load generator, Postgres and nats-server, and the machine as a whole. */
async function readCpu(backend: OrdersBackend) {
  const processes = await backend.cpu();
  if (backend.mode === 'cluster') processes['bench (load generator)'] = ownCpu();
  for (const [command, ms] of Object.entries(cpuByCommand(['postgres', 'nats-server']))) {
    processes[`${command} (all)`] = { processMs: ms, mainThreadMs: null, gcMs: null, loopActiveMs: null, loopIdleMs: null };
  }
  return { processes, machineMs: machineBusyMs() };
}

function cpuDelta(before: Awaited<ReturnType<typeof readCpu>>, after: Awaited<ReturnType<typeof readCpu>>, orders: number, windowSeconds: number): OrdersBenchResult['cpu'] {
  const d = (a: number | null | undefined, b: number | null | undefined) => (a == null || b == null ? null : (b - a) / orders);
  const processes: Record<string, ProcessCpu> = {};
  for (const [name, a] of Object.entries(after.processes)) {
    const b = before.processes[name];
    const active = a.loopActiveMs == null || b?.loopActiveMs == null ? null : a.loopActiveMs - b.loopActiveMs;
    const idle = a.loopIdleMs == null || b?.loopIdleMs == null ? null : a.loopIdleMs - b.loopIdleMs;
    processes[name] = {
      msPerOrder: d(b?.processMs, a.processMs),
      mainThreadMsPerOrder: d(b?.mainThreadMs, a.mainThreadMs),
      gcMsPerOrder: d(b?.gcMs, a.gcMs),
      loopUtilization: active === null || idle === null || active + idle <= 0 ? null : active / (active + idle),
    };
  }
  const machine = before.machineMs === null || after.machineMs === null ? null : after.machineMs - before.machineMs;
  return { windowSeconds, processes, machineMsPerOrder: machine === null ? null : machine / orders, machineBusyCores: machine === null ? null : machine / 1000 / windowSeconds };
}

async function main(): Promise<number> {
  const inProcess = flags['in-process']!;
  log(
    inProcess
      ? 'starting the stack (gateway and four subgraphs in this process)'
      : `starting the cluster (gateway and four subgraphs, each a process; Postgres over ${flags.socket ? 'its Unix socket' : 'TCP'})`,
  );
  const loadAtStart = loadavg()[0];
  const backend = inProcess ? await inProcessBackend() : await clusterBackend({ socket: flags.socket! }, log);
  const machine = { ...machineInfo(backend.note), loadAverageAtStart: Math.round(loadAtStart * 100) / 100 };
  const client = new KeepAliveGraphQLClient(backend.gatewayUrl);
  const watch = new OrderStatusWatch(backend.bus);
  try {
    log(`seeding ${PRODUCTS} products and ${CUSTOMERS} customers with cards`);
    const { productIds, shoppers } = await seedShop(backend.shop, { products: PRODUCTS, customers: CUSTOMERS, stockEach: 1_000_000 });

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
    const sqlBefore = await backend.requestSql();
    const alone: Placement[] = [];
    await place(0, performance.now(), alone);
    const sqlAfter = await backend.requestSql();
    const isolatedSql = Object.fromEntries(Object.entries(sqlAfter).map(([k, v]) => [k, v - sqlBefore[k as keyof typeof sqlBefore]]));
    if (alone[0].error) throw new Error(`the isolated placeOrder failed: ${alone[0].error}`);
    await settle(alone, 10_000);

    // The fixed cost of every process with no orders (polls, timers, pull loops), spread over the orders below.
    let idle: Record<string, number> | undefined;
    if (IDLE_MS > 0) {
      log(`idle for ${IDLE_MS / 1000} s: the cost of every process with no orders`);
      const a = await readCpu(backend);
      await sleep(IDLE_MS);
      const b = await readCpu(backend);
      idle = Object.fromEntries(
        Object.entries(b.processes).flatMap(([name, r]) => {
          const was = a.processes[name]?.processMs;
          return r.processMs == null || was == null ? [] : [[name, (r.processMs - was) / (IDLE_MS / 1000)]];
        }),
      );
    }

    const total = Math.round(RATE * SECONDS);
    log(`load: ${RATE} orders/s for ${SECONDS} s (${total} orders), open loop over keep-alive HTTP`);
    const before = await backend.pipeline('before');
    const profileDir = flags['cpu-prof'] && resolve(flags['cpu-prof']);
    if (profileDir) await mkdir(profileDir, { recursive: true });
    const stopProfiles = profileDir && backend.profile ? await backend.profile(profileDir) : undefined;
    const placements: Placement[] = [];
    const calls: Promise<void>[] = [];
    const cpuBefore = await readCpu(backend);
    const loadStart = performance.now();
    const progress = setInterval(() => {
      const answered = placements.filter((p) => p.answeredAt).length;
      const errors = placements.filter((p) => p.error).length;
      const paid = placements.filter((p) => p.orderId && watch.at(p.orderId, 'PAID')).length;
      log(`sent ${placements.length}  answered ${answered}  in flight ${placements.length - answered}  PAID ${paid}  errors ${errors}`);
    }, 2000);
    const { maxSendLagMs } = await fireAtFixedRate(RATE, total, (i, at) => calls.push(place(i + 1, at, placements)));
    const sendSeconds = (performance.now() - loadStart) / 1000;
    const connections = await backend.postgresConnections?.();
    log(`all ${total} sent in ${sendSeconds.toFixed(1)} s; waiting up to ${SETTLE_MS / 1000} s for the answers and the sagas`);
    // One bound for both, so that an overloaded run still ends: a placement with no answer by then
    // is an error, an answered order with no final state is stuck.
    const deadline = performance.now() + SETTLE_MS;
    await Promise.race([Promise.all(calls), sleep(SETTLE_MS)]);
    const open = await settle(placements, deadline - performance.now());
    clearInterval(progress);
    for (const p of placements) if (!p.answeredAt) p.error = `no answer within ${SETTLE_MS / 1000} s after the last placement was sent`;
    const windowSeconds = (performance.now() - loadStart) / 1000;
    const cpuAfter = await readCpu(backend);
    const profiles = await stopProfiles?.();
    if (profiles) log(`CPU profiles of the measured window: ${profiles.join(', ')}`);
    log(open ? `${open} orders never reached a final state` : 'every placed order reached a final state');

    const placed = placements.filter((p) => p.orderId);
    const ids = placed.map((p) => p.orderId!);
    const dbStatus = await backend.orderStatuses(ids);
    const isFinal = (s: string | undefined) => s === 'PAID' || s === 'FAILED' || s === 'CANCELLED';
    const stuck = ids.filter((id) => dbStatus.has(id) && !isFinal(dbStatus.get(id))).length;
    // Accepted yet missing, or final in the database while its final event never reached the bus.
    const lost = ids.filter((id) => !dbStatus.has(id) || (isFinal(dbStatus.get(id)) && !watch.finalStatus(id))).length;
    const delta = pipelineDelta(before, await backend.pipeline('after'), backend.snapshotStatements);
    const n = Math.max(1, placed.length);
    const per = (m: Record<string, number>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, v / n]));
    const sum = (m: Record<string, number>) => Object.values(m).reduce((a, b) => a + b, 0);

    const partial: Omit<OrdersBenchResult, 'verdict'> = {
      config: {
        ratePerSecond: RATE,
        seconds: SECONDS,
        products: PRODUCTS,
        customers: CUSTOMERS,
        linesPerOrder: LINES_PER_ORDER,
        settleBoundMs: SETTLE_MS,
        mode: backend.mode,
        postgres: backend.postgres,
      },
      machine: { ...machine, loadAverageAtEnd: Math.round(loadavg()[0] * 100) / 100 },
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
      cpu: { ...cpuDelta(cpuBefore, cpuAfter, total, windowSeconds), ...(idle ? { idleMsPerSecond: idle } : {}) },
      ...(connections ? { postgresConnections: connections } : {}),
      latencyMs: {
        placeOrder: distribution(placed.map((p) => p.answeredAt! - p.scheduledAt)),
        placementToPaid: distribution(placed.flatMap((p) => (watch.at(p.orderId!, 'PAID') ? [watch.at(p.orderId!, 'PAID')! - p.scheduledAt] : []))),
      },
      sql: {
        perIsolatedPlaceOrder: isolatedSql,
        perIsolatedPlaceOrderTotal: sum(isolatedSql),
        perOrderAllWork: sum(delta.sqlTotal) / n,
        perOrderByService: per(delta.sqlTotal),
        ...(sum(delta.roundTrips) > 0 ? { roundTripsPerOrder: sum(delta.roundTrips) / n, roundTripsPerOrderByService: per(delta.roundTrips) } : {}),
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
    await backend.stop();
  }
}

exitWith(main);
