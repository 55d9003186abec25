/**
 * The subscription fan-out benchmark (issue 4, DESIGN.md "Targets"): N graphql-ws subscribers on
 * one gateway, one connection each, every one following its own order with `orderStatusChanged`;
 * then `order.status_changed` events for those orders published on the bus, in two phases:
 * - steady: M events at a fixed rate, each for another subscriber (latency at a sustained load);
 *   300/s by default: DESIGN.md's 100 orders/s, each changing status about three times. The
 *   issue's targets (100% delivered, p99 ≤ 100 ms at 1,000 subscribers, ≤ 500 ms at 10,000) are
 *   judged on this stream;
 * - burst: one event for each of B subscribers, all published at once (fan-out of a spike). Every
 *   one must be delivered, but its latency is reported, not judged: B events due at the same instant
 *   cannot all arrive sooner than B times the CPU one costs, whatever the target.
 * It reports delivery, event → client latency (from the moment each event was due to be published
 * to its receipt by the client), the gateway process's CPU per event (all its threads, and its main
 * thread alone: its event loop), that of the processes beside it (subgraphs, Postgres, NATS), the
 * operations it ran to resolve deliveries and the gateway's heap per connection, for each N.
 *
 * By default the supergraph runs as production runs it (bench/lib/cluster.ts): the gateway and each
 * subgraph a process of its own, NODE_ENV=production, fresh databases and NATS subjects; the
 * gateway's figures come from its process: /proc for CPU, its /metrics for connections and
 * resolutions, the benchmark probe (bench/lib/service-probe.ts) for its main thread and for its
 * heap after forced GCs. `--in-process` keeps the old single-process stack (lib/testing/stack.ts,
 * development mode), where gateway and subgraphs share one event loop.
 *
 * Two selections, measured separately (`--selection resolved|event-only|both`):
 * - resolved (default): `id status statusVersion items { quantity product { name } }`: every
 *   delivery is re-resolved through the gateway (order and inventory subgraphs), the real cost of
 *   a federated subscription, so the burst is capped (`--burst`, default 500) to keep the run short.
 * - event-only: `id status statusVersion`: only what the event carries, answered from the event
 *   with no query per delivery (the first message still reads the order through the gateway).
 *   Its burst reaches every subscriber.
 *
 * The events are synthetic (published as the order service's relay would, from a child process:
 * bench/lib/event-publisher.ts) so the run measures fan-out, not the saga. Subscribers run in
 * another child process (bench/lib/subscription-clients.ts). Exit 0 when every target is met, 1
 * when one is not, 2 when the benchmark could not run.
 *
 *   npm run bench:subscriptions -- [--sizes 1000,10000] [--selection resolved] [--events 1500] [--rate 300] [--burst 500] [--in-process]
 *
 * A quick run (under a minute): --sizes 1000 --events 900 --burst 500.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { PublisherCommand, PublisherReply, StatusEventSpec } from './lib/event-publisher.js';
import { distribution } from './lib/percentiles.js';
import { clusterSubscriptionBackend, inProcessSubscriptionBackend, type CpuSnapshot, type SubscriptionBackend } from './lib/subscription-backend.js';
import type { ClientCommand, ClientReply } from './lib/subscription-clients.js';
import { formatOthers, formatTable, SELECTIONS, TARGET_P99_MS, type PhaseResult, type RunResult, type SelectionName } from './lib/subscription-report.js';
import { SEEDED_SEQUENCE, seedCustomers, seedOrders, type Subscriber } from './lib/subscription-seed.js';
import { exitWith } from './lib/exit-with.js';

const { values: flags } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000,10000' },
    selection: { type: 'string', default: 'resolved' },
    events: { type: 'string', default: '1500' },
    rate: { type: 'string', default: '300' },
    burst: { type: 'string', default: '500' },
    concurrency: { type: 'string', default: '100' },
    settle: { type: 'string', default: '60' },
    'in-process': { type: 'boolean', default: false },
    out: { type: 'string', default: new URL('./results/subscriptions.json', import.meta.url).pathname },
  },
});
const SIZES = flags.sizes!.split(',').map(Number);
const EVENTS = Number(flags.events);
const RATE = Number(flags.rate);
const RESOLVED_BURST = Number(flags.burst);
const OPEN_CONCURRENCY = Number(flags.concurrency);
const SETTLE_MS = Number(flags.settle) * 1000;
if (!SIZES.every((n) => n > 0) || !(EVENTS >= 0) || !(RATE > 0) || !(RESOLVED_BURST >= 0) || !(OPEN_CONCURRENCY > 0)) {
  throw new Error('--sizes, --rate and --concurrency must be positive; --events and --burst zero or more.');
}

const selections: SelectionName[] =
  flags.selection === 'both' ? ['resolved', 'event-only'] : flags.selection === 'event-only' || flags.selection === 'event' ? ['event-only'] : ['resolved'];

const began = performance.now();
const log = (line: string) => console.log(`[${((performance.now() - began) / 1000).toFixed(1).padStart(5)}s] ${line}`);
const round2 = (v: number) => Math.round(v * 100) / 100;

/** Sends a command to a child process and waits for its reply of the matching type. */
function ask<R extends { type: string }, T extends R['type']>(child: ChildProcess, cmd: ClientCommand | PublisherCommand, replyType: T): Promise<Extract<R, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: R) => {
      if (m.type !== replyType) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(m as Extract<R, { type: T }>);
    };
    const onExit = (code: number | null) => reject(new Error(`a benchmark child process exited (${code})`));
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.send(cmd);
  });
}
const askClients = <T extends ClientReply['type']>(child: ChildProcess, cmd: ClientCommand, replyType: T) => ask<ClientReply, T>(child, cmd, replyType);
const askPublisher = <T extends PublisherReply['type']>(child: ChildProcess, cmd: PublisherCommand, replyType: T) => ask<PublisherReply, T>(child, cmd, replyType);

async function waitUntil(what: string, probe: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return true;
    await sleep(100);
  }
  log(`  gave up waiting for ${what} after ${timeoutMs} ms`);
  return false;
}

/** Hands out each order's next sequence, so every event of a run is one its subscriber has not seen. */
class Sequences {
  private readonly next = new Map<string, number>();

  events(subscribers: Subscriber[]): StatusEventSpec[] {
    return subscribers.map((s) => {
      const sequence = this.next.get(s.orderId) ?? SEEDED_SEQUENCE + 1;
      this.next.set(s.orderId, sequence + 1);
      return { orderId: s.orderId, customerId: s.customerId, sequence };
    });
  }
}

interface Children {
  clients: ChildProcess;
  publisher: ChildProcess;
}

/** `after - before` for each key, per event. */
function perEvent(before: Record<string, number>, after: Record<string, number>, events: number): Record<string, number> {
  return Object.fromEntries(Object.keys(after).map((k) => [k, events ? round2((after[k] - (before[k] ?? 0)) / events) : 0]));
}

/**
 * The gateway process's CPU with every subscription open and no events (keep-alive pings, timers,
 * NATS heartbeats): what a phase's CPU per event includes besides the events' own cost.
 */
async function gatewayIdleCores(backend: SubscriptionBackend, windowMs = 2000): Promise<number> {
  const before = await backend.cpu();
  const startedAt = performance.now();
  await sleep(windowMs);
  const after = await backend.cpu();
  return Math.round(((after.gatewayMs - before.gatewayMs) / (performance.now() - startedAt)) * 1000) / 1000;
}

/** Publishes `events` (at `rate`, or at once) from the publisher process and waits for their deliveries. */
async function phase(backend: SubscriptionBackend, children: Children, expectedSoFar: number, events: StatusEventSpec[], rate?: number) {
  const [statsBefore, sqlBefore] = [await backend.gatewayStats(), await backend.requestSql()];
  const cpuBefore: CpuSnapshot = await backend.cpu();
  const startedAt = performance.now();
  const published = await askPublisher(children.publisher, { type: 'publish', events, rate }, 'published');
  await waitUntil('every event to reach its subscriber', async () => (await askClients(children.clients, { type: 'count' }, 'count')).received >= expectedSoFar + events.length, SETTLE_MS);
  const cpuAfter = await backend.cpu();
  const elapsedMs = performance.now() - startedAt;
  const [stats, sqlAfter] = [await backend.gatewayStats(), await backend.requestSql()];
  const cpuMs = cpuAfter.gatewayMs - cpuBefore.gatewayMs;
  const { gatewayMainThreadMs: mainBefore } = cpuBefore;
  const { gatewayMainThreadMs: mainAfter } = cpuAfter;
  return {
    keys: new Map(published.dueAt),
    queries: stats.executions - statsBefore.executions,
    batchedOrders: stats.batchedOrders - statsBefore.batchedOrders,
    cpuCores: round2(cpuMs / elapsedMs),
    cpuMsPerEvent: events.length ? round2(cpuMs / events.length) : 0,
    mainCpuMsPerEvent: mainAfter !== null && mainBefore !== null && events.length ? round2((mainAfter - mainBefore) / events.length) : null,
    otherCpuMsPerEvent: perEvent(cpuBefore.othersMs, cpuAfter.othersMs, events.length),
    sql: Object.fromEntries(Object.keys(sqlAfter).map((k) => [k, sqlAfter[k] - (sqlBefore[k] ?? 0)])),
    startedAt: performance.timeOrigin + startedAt,
  };
}

function phaseResult(p: Awaited<ReturnType<typeof phase>>, received: Map<string, number>): PhaseResult {
  const latencies: number[] = [];
  let last = p.startedAt;
  for (const [key, due] of p.keys) {
    const at = received.get(key);
    if (at === undefined) continue;
    latencies.push(at - due);
    last = Math.max(last, at);
  }
  const seconds = (last - p.startedAt) / 1000;
  return {
    events: p.keys.size,
    delivered: latencies.length,
    deliveryRatio: p.keys.size ? latencies.length / p.keys.size : 1,
    latencyMs: distribution(latencies),
    throughputPerSecond: seconds > 0 ? Math.round(latencies.length / seconds) : 0,
    gatewayQueries: p.queries,
    gatewayBatchedOrders: p.batchedOrders,
    gatewayCpuCoresBusy: p.cpuCores,
    gatewayCpuMsPerEvent: p.cpuMsPerEvent,
    mainThreadCpuMsPerEvent: p.mainCpuMsPerEvent,
    otherCpuMsPerEvent: p.otherCpuMsPerEvent,
    subgraphRequestSql: p.sql,
  };
}

async function run(backend: SubscriptionBackend, children: Children, selection: SelectionName, subscribers: Subscriber[]): Promise<RunResult> {
  const n = subscribers.length;
  const heapBefore = await backend.gatewayMemory();

  const query = `subscription($id: ID!) { orderStatusChanged(orderId: $id) { ${SELECTIONS[selection]} } }`;
  const url = backend.gatewayUrl.replace(/^http/, 'ws');
  const opened = await askClients(children.clients, { type: 'open', url, query, field: 'orderStatusChanged', subscribers, concurrency: OPEN_CONCURRENCY }, 'opened');
  await waitUntil('every subscription to reach the gateway', async () => (await backend.gatewayStats()).listeners >= n - opened.failed, 10_000);
  const heapAfter = await backend.gatewayMemory();
  log(`  ${n - opened.failed}/${n} subscribed in ${(opened.ms / 1000).toFixed(1)} s; ${(await backend.gatewayStats()).connections} sockets open`);

  const idleCores = await gatewayIdleCores(backend);

  const sequences = new Sequences();
  const steadyEvents = sequences.events(Array.from({ length: EVENTS }, (_, i) => subscribers[i % n]));
  const steady = await phase(backend, children, 0, steadyEvents, RATE);
  log(`  steady: ${EVENTS} events at ${RATE}/s`);
  const burstSize = selection === 'resolved' ? Math.min(n, RESOLVED_BURST) : n;
  const burst = await phase(backend, children, steadyEvents.length, sequences.events(subscribers.slice(0, burstSize)));
  log(`  burst: ${burstSize} events at once`);

  const report = await askClients(children.clients, { type: 'report' }, 'report');
  const received = new Map<string, number>();
  for (const [key, at] of report.received) if (!received.has(key)) received.set(key, at);
  await askClients(children.clients, { type: 'close' }, 'closed');
  await waitUntil('the gateway to drop the subscriptions', async () => (await backend.gatewayStats()).listeners === 0, 10_000);

  const perConnection = (key: 'heapUsed' | 'rss') => Math.round(((heapAfter[key] - heapBefore[key]) / n / 1024) * 10) / 10;
  const steadyResult = { ...phaseResult(steady, received), ratePerSecond: RATE };
  const burstResult = phaseResult(burst, received);
  const errors = report.errors;
  const delivered = steadyResult.deliveryRatio === 1 && burstResult.deliveryRatio === 1;
  return {
    selection,
    subscribers: n,
    openSeconds: Math.round(opened.ms / 100) / 10,
    openFailures: opened.failed,
    heapPerConnectionKb: perConnection('heapUsed'),
    rssPerConnectionKb: perConnection('rss'),
    heapAfterGc: heapBefore.afterGc && heapAfter.afterGc,
    gatewayIdleCores: idleCores,
    steady: steadyResult,
    burst: burstResult,
    duplicates: report.received.length - received.size,
    errors,
    incompleteMessages: report.incomplete,
    sampleErrors: [...opened.sampleErrors, ...report.sampleErrors].slice(0, 5),
    // The burst must be delivered whole (`delivered`); only the steady stream has a latency target.
    pass: delivered && errors === 0 && report.incomplete === 0 && (steadyResult.events === 0 || (steadyResult.latencyMs.p99 ?? Infinity) <= TARGET_P99_MS(n)),
  };
}

/** Starts the supergraph: a cluster of processes, or (`--in-process`) the old single-process stack. */
async function start(inProcess: boolean): Promise<SubscriptionBackend> {
  if (inProcess) {
    if (!globalThis.gc) log('note: run with --expose-gc (npm run bench:subscriptions does) for steadier heap figures');
    log('starting the stack (gateway and four subgraphs in this process)');
    return inProcessSubscriptionBackend();
  }
  log('starting the cluster (gateway and four subgraphs each a process, NODE_ENV=production)');
  return clusterSubscriptionBackend(log);
}

async function measure(backend: SubscriptionBackend, children: Children): Promise<RunResult[]> {
  await askPublisher(children.publisher, { type: 'connect', url: backend.events.natsUrl, prefix: backend.events.prefix }, 'connected');
  const maxN = Math.max(...SIZES);
  log(`seeding ${maxN} customers with tokens`);
  const seed = await seedCustomers(backend.seed, maxN);
  const results: RunResult[] = [];
  for (const selection of selections) {
    for (const n of SIZES) {
      const subscribers = await seedOrders(backend.seed, seed, n);
      log(`${selection}: ${n} subscribers; load average ${loadavg()[0].toFixed(2)}`);
      const r = await run(backend, children, selection, subscribers);
      log(`  steady p99 ${r.steady.latencyMs.p99} ms, burst p99 ${r.burst.latencyMs.p99} ms, heap ${r.heapPerConnectionKb} KB/connection`);
      results.push(r);
    }
  }
  return results;
}

async function main(): Promise<number> {
  const loadBefore = loadavg()[0];
  log(`load average ${loadBefore.toFixed(2)}`);
  let backend: SubscriptionBackend;
  try {
    backend = await start(flags['in-process']!);
  } catch (err) {
    console.error(err);
    return 2;
  }
  const children: Children = {
    clients: fork(new URL('./lib/subscription-clients.ts', import.meta.url).pathname, { stdio: 'inherit' }),
    publisher: fork(new URL('./lib/event-publisher.ts', import.meta.url).pathname, { stdio: 'inherit' }),
  };
  try {
    const results = await measure(backend, children);
    const mails = await backend.mailsAccepted?.();
    const c = cpus();
    const machine = { cpus: c.length, cpuModel: c[0]?.model.trim() ?? 'unknown', node: process.versions.node, loadAverageAtStart: round2(loadBefore), loadAverageAtEnd: round2(loadavg()[0]) };
    console.log(
      [
        '',
        `Subscription fan-out — ${machine.cpus} CPUs (${machine.cpuModel}), Node ${machine.node}, load average ${machine.loadAverageAtStart} at start, ${machine.loadAverageAtEnd} at end`,
        'One graphql-ws connection per subscriber, each following its own order (orderStatusChanged); subscribers in a child process;',
        `${backend.note}; Postgres and NATS beside them.`,
        'Latency: from when the event was due to be published (a burst: all due at once) to its receipt by the client.',
        'resolved = each delivery re-resolved through the gateway (order + inventory subgraphs); event-only = answered from the event.',
        `gw queries: the gateway's subscription resolutions; cpu/main ms/event: the gateway's process / main thread; heap: the gateway's, after forced GCs${results.every((r) => r.heapAfterGc) ? '' : ' (NOT forced: noisy)'}.`,
        '',
        formatTable(results),
        '',
        ...formatOthers(results),
        '  (postgres and nats-server: machine-wide, where visible; other load on the machine counts too)',
        '',
        ...results.map((r) => `  ${r.selection} N=${r.subscribers}: opened in ${r.openSeconds} s (${r.openFailures} failed), gateway idle with them open ${r.gatewayIdleCores} cores, ${r.duplicates} duplicates, ${r.errors} errors, ${r.incompleteMessages} incomplete${r.sampleErrors.length ? `; e.g. ${r.sampleErrors.join(' | ')}` : ''}`),
        ...(mails === undefined ? [] : [`  mails accepted by the cluster's SMTP sink: ${mails}`]),
        '',
      ].join('\n'),
    );
    await mkdir(dirname(flags.out!), { recursive: true });
    await writeFile(flags.out!, `${JSON.stringify({ measuredAt: new Date().toISOString(), mode: backend.mode, note: backend.note, machine, results }, null, 2)}\n`);
    log(`results written to ${flags.out}`);
    return results.every((r) => r.pass) ? 0 : 1;
  } catch (err) {
    console.error(err);
    return 2;
  } finally {
    children.clients.kill();
    children.publisher.kill();
    await backend.stop();
  }
}

exitWith(main);
