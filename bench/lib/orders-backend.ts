import { SUBGRAPH_NAMES, type SubgraphName } from '../../lib/config.js';
import type { EventBus } from '../../lib/events/bus.js';
import type { ShopBackend } from '../../lib/testing/shop.js';
import { startStack, type TestStack } from '../../lib/testing/stack.js';
import { BenchCluster } from './cluster.js';
import { countTransactions, snapshotClusterPipeline, snapshotPipeline, type PipelineSnapshot } from './pipeline-counters.js';
import { processCpuMs } from './process-cpu.js';
import { mainThreadCpuMs } from './thread-cpu.js';

/** Cumulative CPU readings of one process (difference two to get a window's). */
export interface CpuReading {
  processMs: number | null;
  mainThreadMs: number | null;
  gcMs: number | null;
  loopActiveMs: number | null;
  loopIdleMs: number | null;
}

/** What bench/orders.ts needs of the supergraph it loads: the same in both modes. */
export interface OrdersBackend {
  mode: 'cluster' | 'in-process';
  postgres: 'tcp' | 'unix-socket';
  /** For the report: where everything runs. */
  note: string;
  gatewayUrl: string;
  bus: EventBus;
  shop: TestStack | ShopBackend;
  /** SQL statements each subgraph has sent while serving GraphQL requests, so far. */
  requestSql(): Promise<Record<SubgraphName, number>>;
  /** Pipeline counters; `phase` lets a snapshot keep its own cost out of the window. */
  pipeline(phase: 'before' | 'after'): Promise<PipelineSnapshot>;
  /** Statements each snapshot sends through the services' own counted connections (subtracted). */
  snapshotStatements: number;
  /** CPU readings of the processes that serve (not the load generator's, unless they share one). */
  cpu(): Promise<Record<string, CpuReading>>;
  /** Order statuses from the order service's database. */
  orderStatuses(ids: string[]): Promise<Map<string, string>>;
  /** The services' Postgres connections by transport (cluster only). */
  postgresConnections?(): Promise<{ unixSocket: number; tcp: number }>;
  /** Starts CPU profiles of every service; the function returned stops them and writes `<dir>/<service>.cpuprofile`. */
  profile?(dir: string): Promise<() => Promise<string[]>>;
  stop(): Promise<void>;
}

/** Positional `?` for MikroORM (in-process), `$1` for pg (cluster): the same statement either way. */
const ORDER_STATUSES = 'select id, status from orders where id = any(array[?]::uuid[])';
const ORDER_STATUSES_PG = 'select id, status from orders where id = any($1::uuid[])';

/** The old way: gateway and four subgraphs in this process (startStack), counters read from their objects. */
export async function inProcessBackend(): Promise<OrdersBackend> {
  const stack = await startStack({ LOG_LEVEL: 'silent' });
  const transactions = countTransactions(stack);
  return {
    mode: 'in-process',
    postgres: 'tcp',
    note: 'Gateway, four subgraphs, their relays and consumers, and the load generator all run in this one Node process (one event loop); Postgres and NATS run beside it on the same machine.',
    gatewayUrl: stack.gatewayUrl,
    bus: stack.bus,
    shop: stack,
    requestSql: async () => stack.sqlCounts(),
    pipeline: () => snapshotPipeline(stack, transactions),
    snapshotStatements: 1,
    async cpu() {
      const cpu = process.cpuUsage();
      const elu = performance.eventLoopUtilization();
      return {
        'everything (one process)': {
          processMs: (cpu.user + cpu.system) / 1000,
          mainThreadMs: mainThreadCpuMs(),
          gcMs: null,
          loopActiveMs: elu.active,
          loopIdleMs: elu.idle,
        },
      };
    },
    async orderStatuses(ids) {
      const rows = await stack.subgraphs.order.db.orm.em.getConnection().execute<{ id: string; status: string }[]>(ORDER_STATUSES, [ids]);
      return new Map(rows.map((r) => [r.id, r.status]));
    },
    stop: () => stack.stop(),
  };
}

/** Each subgraph and the gateway a process (BenchCluster with the probe), over TCP or Postgres's Unix socket. */
export async function clusterBackend(opts: { socket: boolean }, note: (line: string) => void): Promise<OrdersBackend> {
  const cluster = await BenchCluster.start({ probe: true, socket: opts.socket }, note);
  const services = () => [...SUBGRAPH_NAMES.map((n) => cluster.subgraphs[n]), cluster.gateways.ours!];
  return {
    mode: 'cluster',
    postgres: opts.socket ? 'unix-socket' : 'tcp',
    note: `Gateway and four subgraphs each a Node process of its own (NODE_ENV=production), the load generator in this one; Postgres (${opts.socket ? 'over its Unix socket' : 'over TCP'}) and NATS beside them on the same machine.`,
    gatewayUrl: cluster.gatewayUrl,
    bus: cluster.bus,
    shop: cluster,
    requestSql: () => cluster.requestSql(),
    pipeline: (phase) => snapshotClusterPipeline(cluster, phase),
    snapshotStatements: 0,
    async cpu() {
      const out: Record<string, CpuReading> = {};
      for (const e of services()) {
        const p = await cluster.probe(e);
        out[e.name] = {
          processMs: e.process.pid ? (processCpuMs(e.process.pid) ?? null) : null,
          mainThreadMs: p.mainThreadCpuMs,
          gcMs: p.gcMs,
          loopActiveMs: p.loopActiveMs,
          loopIdleMs: p.loopIdleMs,
        };
      }
      return out;
    },
    async orderStatuses(ids) {
      const { rows } = await cluster.db('order').query<{ id: string; status: string }>(ORDER_STATUSES_PG, [ids]);
      return new Map(rows.map((r) => [r.id, r.status]));
    },
    postgresConnections: () => cluster.postgresConnections(),
    profile: (dir) => cluster.profile(dir),
    stop: () => cluster.stop(),
  };
}
