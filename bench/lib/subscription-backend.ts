import { SUBGRAPH_NAMES, type Env } from '../../lib/config.js';
import { sampleValue, scrape } from '../../lib/testing/prometheus-text.js';
import { stackBackend } from '../../lib/testing/shop.js';
import { startStack } from '../../lib/testing/stack.js';
import { BenchCluster } from './cluster.js';
import { cpuByCommand } from './machine-cpu.js';
import { processCpuMs } from './process-cpu.js';
import type { SeedTarget } from './subscription-seed.js';
import { mainThreadCpuMs } from './thread-cpu.js';

/** The gateway's subscription counters (its /metrics, or its objects in-process). */
export interface GatewaySubscriptionStats {
  connections: number;
  listeners: number;
  /** Operations run to resolve subscribers' selections, so far. */
  executions: number;
  /** Orders the batched ones among them read, so far. */
  batchedOrders: number;
}

/** Cumulative CPU readings, ms (difference two to get a window's). */
export interface CpuSnapshot {
  /** The process that holds the gateway, every thread. */
  gatewayMs: number;
  /** Its main thread (the event loop); null where /proc is missing. */
  gatewayMainThreadMs: number | null;
  /**
   * Other processes that serve, by name: each subgraph's (cluster only), and `postgres` and
   * `nats-server` machine-wide where such processes are visible (anyone else's load counts too).
   */
  othersMs: Record<string, number>;
}

/** What bench/subscriptions.ts needs of the supergraph it loads: the same in both modes. */
export interface SubscriptionBackend {
  mode: 'cluster' | 'in-process';
  /** For the report: where everything runs. */
  note: string;
  gatewayUrl: string;
  /** Where the synthetic events go: the gateway listens under this NATS prefix. */
  events: { natsUrl: string; prefix: string };
  seed: SeedTarget;
  gatewayStats(): Promise<GatewaySubscriptionStats>;
  /** The gateway process's heap and RSS after forced GCs (`afterGc` false when it could not force one). */
  gatewayMemory(): Promise<{ heapUsed: number; rss: number; afterGc: boolean }>;
  cpu(): Promise<CpuSnapshot>;
  /** SQL statements each subgraph has sent while serving GraphQL requests, so far. */
  requestSql(): Promise<Record<string, number>>;
  /** Mails accepted by the cluster's SMTP sink so far (cluster only). */
  mailsAccepted?(): Promise<number>;
  stop(): Promise<void>;
}

/** postgres and nats-server, if this machine shows such processes (NATS may run in another container). */
function serverCommands(): string[] {
  const seen = cpuByCommand(['postgres', 'nats-server']);
  return Object.keys(seen).filter((c) => seen[c] > 0);
}

/** The old way: gateway and four subgraphs in this process (startStack, development mode). */
export async function inProcessSubscriptionBackend(): Promise<SubscriptionBackend> {
  // The services' own default pool, not the small one tests use to fit many stacks into max_connections.
  const stack = await startStack({ LOG_LEVEL: 'silent', DB_POOL_MAX: '10' });
  const servers = serverCommands();
  const subscriptions = stack.gateway.subscriptions;
  return {
    mode: 'in-process',
    note: 'gateway and subgraphs in this process (NODE_ENV unset: development mode), events published from a child process',
    gatewayUrl: stack.gatewayUrl,
    events: { natsUrl: stack.env.NATS_URL!, prefix: stack.env.EVENTS_PREFIX! },
    seed: { shop: stackBackend(stack), env: stack.env },
    async gatewayStats() {
      const s = subscriptions.stats();
      return { connections: s.connections, listeners: s.listeners, executions: s.executions, batchedOrders: s.batchedOrders ?? 0 };
    },
    async gatewayMemory() {
      for (let i = 0; i < 3; i++) {
        globalThis.gc?.();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const { heapUsed, rss } = process.memoryUsage();
      return { heapUsed, rss, afterGc: !!globalThis.gc };
    },
    async cpu() {
      const cpu = process.cpuUsage();
      return { gatewayMs: (cpu.user + cpu.system) / 1000, gatewayMainThreadMs: mainThreadCpuMs(), othersMs: cpuByCommand(servers) };
    },
    requestSql: async () => stack.sqlCounts(),
    stop: () => stack.stop(),
  };
}

/** Each subgraph and the gateway a process of its own, in production mode (BenchCluster with the probe). */
export async function clusterSubscriptionBackend(note: (line: string) => void): Promise<SubscriptionBackend> {
  const cluster = await BenchCluster.start({ probe: true }, note);
  const gateway = cluster.gateways.ours!;
  const servers = serverCommands();
  const pidCpu = (pid: number | undefined) => (pid ? (processCpuMs(pid) ?? 0) : 0);
  return {
    mode: 'cluster',
    note: 'gateway and four subgraphs each a process of its own (NODE_ENV=production), events published from a child process of this one',
    gatewayUrl: cluster.gatewayUrl,
    events: { natsUrl: cluster.env.NATS_URL, prefix: cluster.runId },
    seed: { shop: cluster, env: cluster.env as Env },
    async gatewayStats() {
      const samples = await scrape(gateway.url);
      const value = (name: string) => sampleValue(samples, name) ?? 0;
      return {
        connections: value('gateway_websocket_connections'),
        listeners: value('gateway_subscriptions'),
        executions: value('gateway_subscription_resolutions_total'),
        batchedOrders: value('gateway_subscription_batched_orders_total'),
      };
    },
    gatewayMemory: () => cluster.heap(gateway),
    async cpu() {
      const othersMs: Record<string, number> = Object.fromEntries(SUBGRAPH_NAMES.map((n) => [n, pidCpu(cluster.subgraphs[n].process.pid)]));
      return {
        gatewayMs: pidCpu(gateway.process.pid),
        gatewayMainThreadMs: (await cluster.probe(gateway)).mainThreadCpuMs,
        othersMs: { ...othersMs, ...cpuByCommand(servers) },
      };
    },
    requestSql: () => cluster.requestSql(),
    mailsAccepted: () => cluster.mailsAccepted(),
    stop: () => cluster.stop(),
  };
}
