import type { BenchCluster, Endpoint } from '../lib/cluster.js';
import { closedLoop, RawPoster, type LoopResult } from '../lib/closed-loop.js';
import { checkedBody, hammer, type LoadResult, type Shot } from '../lib/load.js';
import { recordPlan, type Stages } from '../lib/plan-recorder.js';
import { processCpuMs, waitUntilQuiet } from '../lib/process-cpu.js';
import { ORDERS_PAGE, PRODUCTS_PAGE } from '../lib/queries.js';

/** One side of a comparison: something that can be loaded for `seconds` and say how it went. */
export interface Side {
  label: string;
  run(seconds: number): Promise<LoadResult | LoopResult>;
  /** The gateway process this side loads, whose CPU per request is reported beside its throughput. */
  pid?: number;
}

export interface Pair {
  id: string;
  title: string;
  a: Side;
  b: Side;
}

export interface Measured {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  /** CPU the gateway process spent per request (null for sides that are not one gateway). */
  gatewayCpuMsPerRequest: number | null;
}

export interface PairResult {
  id: string;
  title: string;
  a: { label: string; rounds: Measured[]; median: Measured };
  b: { label: string; rounds: Measured[]; median: Measured };
  /** a ÷ b of the medians: above 1 means a serves more requests per second. */
  throughputRatio: number;
  /** a's median p50 minus b's: what a adds to every request. */
  addedP50Ms: number;
}

export interface ThroughputSetup {
  cluster: BenchCluster;
  /** A customer with PAID orders, whose page the cross-subgraph query reads. */
  customerToken: string;
  connections: number;
  ordersPageSize: number;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Builds the pairs of the throughput scenarios (2–4), checking every side's answer once first. */
export async function throughputPairs(setup: ThroughputSetup, opts: { hive: boolean; unbatched: boolean }): Promise<{ pairs: Pair[]; close(): void }> {
  const { cluster, customerToken, connections } = setup;
  const products: Omit<Shot, 'url'> = { query: PRODUCTS_PAGE, variables: { first: 20 } };
  const orders: Omit<Shot, 'url'> = { query: ORDERS_PAGE, variables: { first: setup.ordersPageSize }, headers: bearer(customerToken) };
  const checkOrders = (data: any) => {
    const nodes = data.orders.nodes as any[];
    if (nodes.length !== setup.ordersPageSize || nodes.some((n) => n.status !== 'PAID' || !n.payment || !n.notifications.length || !n.items[0]?.product?.name))
      throw new Error(`the orders page is not ${setup.ordersPageSize} settled orders with every subgraph's fields`);
  };
  const checkProducts = (data: any) => {
    if (data.products.nodes.length !== 20) throw new Error('the products page does not hold 20 products');
  };

  /** autocannon against one gateway, answers compared byte for byte with the checked one. */
  const autocannonSide = async (label: string, gateway: Endpoint, shot: Omit<Shot, 'url'>, check: (d: any) => void, sideConnections = connections): Promise<Side> => {
    const expectBody = await checkedBody({ url: gateway.url, ...shot }, check);
    return { label, pid: gateway.process.pid, run: (seconds) => hammer({ url: gateway.url, ...shot }, { connections: sideConnections, seconds, expectBody }) };
  };

  const pairs: Pair[] = [];
  const oursGateway = cluster.gateways.ours!;
  const ours = oursGateway.url;
  const plainGateway = cluster.gateways.oursPlain!;
  if (opts.hive) {
    const hiveGateway = cluster.gateways.hive!;
    const hivePlain = cluster.gateways.hivePlain!;
    const hive = hiveGateway.url;
    // Same data from both: the comparison is only fair if both do the whole job.
    const [oursProducts, hiveProducts, oursOrders, hiveOrders] = await Promise.all([
      checkedBody({ url: ours, ...products }),
      checkedBody({ url: hive, ...products }),
      checkedBody({ url: ours, ...orders }),
      checkedBody({ url: hive, ...orders }),
    ]);
    if (JSON.stringify(JSON.parse(oursProducts).data) !== JSON.stringify(JSON.parse(hiveProducts).data)) throw new Error('Hive Gateway and ours answer the products query differently');
    if (JSON.stringify(JSON.parse(oursOrders).data) !== JSON.stringify(JSON.parse(hiveOrders).data)) throw new Error('Hive Gateway and ours answer the orders query differently');
    pairs.push(
      { id: 'hive-products', title: 'ours vs Hive Gateway: products (1 subgraph)', a: await autocannonSide('ours', oursGateway, products, checkProducts), b: await autocannonSide('hive', hiveGateway, products, checkProducts) },
      { id: 'hive-orders', title: 'ours vs Hive Gateway: orders (4 subgraphs)', a: await autocannonSide('ours', oursGateway, orders, checkOrders), b: await autocannonSide('hive', hiveGateway, orders, checkOrders) },
      // Both gateways share identical in-flight subgraph queries by default, which a benchmark of
      // one repeated query rewards; these pairs show each doing every request's whole work.
      { id: 'hive-products-plain', title: 'ours vs Hive Gateway, no deduplication: products', a: await autocannonSide('ours', plainGateway, products, checkProducts), b: await autocannonSide('hive', hivePlain, products, checkProducts) },
      { id: 'hive-orders-plain', title: 'ours vs Hive Gateway, no deduplication: orders', a: await autocannonSide('ours', plainGateway, orders, checkOrders), b: await autocannonSide('hive', hivePlain, orders, checkOrders) },
    );
  }

  // Gateway vs direct: one client for both sides, since "direct" is several requests per answer,
  // and the gateway without deduplication, so that it too does every request's whole work.
  const poster = new RawPoster(connections);
  const plain = plainGateway.url;
  const viaGateway = async (label: string, shot: Omit<Shot, 'url'>, check: (d: any) => void): Promise<Side> => {
    const expected = await checkedBody({ url: plain, ...shot }, check);
    const headers = { 'content-type': 'application/json', ...shot.headers };
    const body = JSON.stringify({ query: shot.query, variables: shot.variables });
    return {
      label,
      pid: plainGateway.process.pid,
      run: (seconds) =>
        closedLoop(connections, seconds, async () => {
          const res = await poster.post(plain, headers, body);
          if (res.status !== 200 || res.body !== expected) throw new Error(`gateway answered ${res.status}: ${res.body.slice(0, 200)}`);
        }),
    };
  };
  const direct = (label: string, stages: Stages): Side => ({
    label,
    run: (seconds) =>
      closedLoop(connections, seconds, async () => {
        for (const stage of stages) {
          await Promise.all(
            stage.map(async (f) => {
              const res = await poster.post(f.url, f.headers, f.body);
              if (res.status !== 200 || res.body !== f.answer) throw new Error(`${f.subgraph} answered ${res.status}: ${res.body.slice(0, 200)}`);
            }),
          );
        }
      }),
  });
  const urls = Object.fromEntries(Object.entries(cluster.subgraphs).map(([n, e]) => [n, e.url])) as Record<keyof BenchCluster['subgraphs'], string>;
  const productsPlan = await recordPlan(cluster.env, urls, { query: products.query, variables: products.variables! });
  const ordersPlan = await recordPlan(cluster.env, urls, { query: orders.query, variables: orders.variables!, token: customerToken });
  pairs.push(
    { id: 'direct-products', title: `gateway vs direct: products (${describe(productsPlan)})`, a: await viaGateway('gateway', products, checkProducts), b: direct('direct', productsPlan) },
    { id: 'direct-orders', title: `gateway vs direct: orders (${describe(ordersPlan)})`, a: await viaGateway('gateway', orders, checkOrders), b: direct('direct', ordersPlan) },
  );

  if (opts.unbatched) {
    // Fewer clients: unbatched, 32 at once would pile up requests that time out and say little.
    const few = Math.min(connections, 8);
    pairs.push({
      id: 'batched-orders',
      title: `batched vs unbatched loaders, no deduplication, ${few} connections: orders`,
      a: await autocannonSide('batched', plainGateway, orders, checkOrders, few),
      b: await autocannonSide('unbatched', cluster.gateways.unbatched!, orders, checkOrders, few),
    });
  }
  return { pairs, close: () => poster.close() };
}

/** "order → inventory+payment+notification": the stages of a recorded plan. */
function describe(stages: Stages): string {
  return stages.map((s) => s.map((f) => f.subgraph).join('+')).join(' → ');
}

/**
 * Runs every pair in interleaved rounds (A B, A B, …) so that drift in a shared machine's speed
 * falls on both sides alike, and reports medians over the rounds.
 */
export async function runPairs(
  pairs: Pair[],
  opts: { rounds: number; seconds: number; warmupSeconds: number; servicePids: number[] },
  log: (line: string) => void,
): Promise<PairResult[]> {
  const quiet = () => waitUntilQuiet(opts.servicePids);
  for (const pair of pairs) {
    log(`warming up: ${pair.title}`);
    await pair.a.run(opts.warmupSeconds);
    await quiet();
    await pair.b.run(opts.warmupSeconds);
    await quiet();
  }
  const rounds = new Map(pairs.map((p) => [p.id, { a: [] as Measured[], b: [] as Measured[] }]));
  for (let r = 1; r <= opts.rounds; r++) {
    for (const pair of pairs) {
      const into = rounds.get(pair.id)!;
      for (const [side, list] of [
        [pair.a, into.a],
        [pair.b, into.b],
      ] as const) {
        await quiet();
        const cpuBefore = side.pid ? processCpuMs(side.pid) : undefined;
        const res = await side.run(opts.seconds);
        const cpuAfter = side.pid ? processCpuMs(side.pid) : undefined;
        const gatewayCpuMsPerRequest = cpuBefore !== undefined && cpuAfter !== undefined && res.requests > 0 ? round((cpuAfter - cpuBefore) / res.requests, 100) : null;
        list.push({ requestsPerSecond: round(res.requestsPerSecond), p50Ms: res.p50Ms, p99Ms: res.p99Ms, errors: res.errors, gatewayCpuMsPerRequest });
        const firstError = 'firstError' in res && res.firstError ? ` (first error: ${res.firstError})` : '';
        log(`round ${r}/${opts.rounds} ${pair.id} ${side.label}: ${round(res.requestsPerSecond)} req/s, p50 ${res.p50Ms} ms, p99 ${res.p99Ms} ms, ${res.errors} errors${gatewayCpuMsPerRequest !== null ? `, gateway CPU ${gatewayCpuMsPerRequest} ms/request` : ''}${firstError}`);
      }
    }
  }
  return pairs.map((pair) => {
    const { a, b } = rounds.get(pair.id)!;
    const ma = medianOf(a);
    const mb = medianOf(b);
    return {
      id: pair.id,
      title: pair.title,
      a: { label: pair.a.label, rounds: a, median: ma },
      b: { label: pair.b.label, rounds: b, median: mb },
      throughputRatio: Math.round((ma.requestsPerSecond / mb.requestsPerSecond) * 100) / 100,
      addedP50Ms: round(ma.p50Ms - mb.p50Ms),
    };
  });
}

function medianOf(rounds: Measured[]): Measured {
  const med = (xs: number[]) => {
    const s = [...xs].sort((x, y) => x - y);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  return {
    requestsPerSecond: round(med(rounds.map((r) => r.requestsPerSecond))),
    p50Ms: round(med(rounds.map((r) => r.p50Ms))),
    p99Ms: round(med(rounds.map((r) => r.p99Ms))),
    errors: rounds.reduce((n, r) => n + r.errors, 0),
    gatewayCpuMsPerRequest: rounds.every((r) => r.gatewayCpuMsPerRequest !== null) ? round(med(rounds.map((r) => r.gatewayCpuMsPerRequest!)), 100) : null,
  };
}

const round = (x: number, by = 10) => Math.round(x * by) / by;
