import { SUBGRAPH_NAMES, type SubgraphName } from '../../lib/config.js';
import { sampleValue, scrape } from '../../lib/testing/prometheus-text.js';
import { stepTransactionsBegun } from '../../lib/db/step-tx.js';
import type { TestStack } from '../../lib/testing/stack.js';
import type { BenchCluster } from './cluster.js';

type PerService = Partial<Record<SubgraphName, number>>;

export interface PipelineSnapshot {
  /** Every SQL statement each service sent, background work included (BEGIN and COMMIT are not statements here). */
  sqlTotal: PerService;
  /** The messages those went in, BEGIN and COMMIT included (cluster only: the probe counts them). */
  roundTrips: PerService;
  /** Transactions each service began, background work included. */
  transactions: PerService;
  /** Events each service's relay published (JetStream duplicates not counted). */
  published: PerService;
  /** Outbox rows by event type, over all services. */
  outboxByType: Record<string, number>;
}

/**
 * Counts every root transaction each service begins from now on (a savepoint is not one), step
 * transactions included. The ORM's forks copy its subscribers, so transactions on entity managers
 * forked later count too.
 */
export function countTransactions(stack: TestStack): () => PerService {
  const counts: PerService = {};
  for (const name of SUBGRAPH_NAMES) {
    counts[name] = -stepTransactionsBegun(stack.subgraphs[name].db.orm);
    stack.subgraphs[name].db.orm.em.getEventManager().registerSubscriber({
      afterTransactionStart: () => {
        counts[name]!++;
      },
    });
  }
  return () => Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, counts[name]! + stepTransactionsBegun(stack.subgraphs[name].db.orm)]));
}

/** Counters of the whole event pipeline, to difference around the measured load. */
export async function snapshotPipeline(stack: TestStack, transactions: () => PerService): Promise<PipelineSnapshot> {
  const snap: PipelineSnapshot = { sqlTotal: {}, roundTrips: {}, transactions: transactions(), published: {}, outboxByType: {} };
  for (const name of SUBGRAPH_NAMES) {
    const app = stack.subgraphs[name];
    snap.sqlTotal[name] = app.db.sql.total;
    if (!app.messaging?.relay) continue;
    snap.published[name] = app.messaging.relay.published;
    // Read through a bare connection that the statement counter also sees: subtracted below.
    const rows = await app.db.orm.em.getConnection().execute<{ type: string; n: string }[]>('select type, count(*) as n from outbox_events group by type');
    for (const r of rows) snap.outboxByType[r.type] = (snap.outboxByType[r.type] ?? 0) + Number(r.n);
  }
  return snap;
}

/**
 * The same counters from a BenchCluster started with `probe: true`, whose services are processes
 * of their own: statements and transactions from each subgraph's probe (bench/lib/service-probe.ts
 * counts what the process sends through `pg`), events published from each subgraph's `/metrics`
 * (`outbox_published_total`, the relay's own counter), outbox rows through the harness's own
 * connections, which no probe sees. A scrape of `/metrics` costs the service a statement (the
 * outbox backlog gauge), so it is taken outside the window: before the probes at the start
 * (`phase` 'before'), after them at the end.
 */
export async function snapshotClusterPipeline(cluster: BenchCluster, phase: 'before' | 'after'): Promise<PipelineSnapshot> {
  const snap: PipelineSnapshot = { sqlTotal: {}, roundTrips: {}, transactions: {}, published: {}, outboxByType: {} };
  const probes = async () => {
    for (const name of SUBGRAPH_NAMES) {
      const p = await cluster.probe(cluster.subgraphs[name]);
      snap.sqlTotal[name] = p.statements ?? 0;
      snap.roundTrips[name] = p.roundTrips ?? 0;
      snap.transactions[name] = p.begins ?? 0;
    }
  };
  const published = async () => {
    for (const name of SUBGRAPH_NAMES) {
      const samples = await scrape(cluster.subgraphs[name].url);
      const v = sampleValue(samples, 'outbox_published_total');
      if (v !== undefined) snap.published[name] = v;
    }
  };
  if (phase === 'before') await published();
  await probes();
  if (phase === 'after') await published();
  for (const name of SUBGRAPH_NAMES) {
    const { rows } = await cluster.db(name).query<{ type: string; n: string }>('select type, count(*) as n from outbox_events group by type');
    for (const r of rows) snap.outboxByType[r.type] = (snap.outboxByType[r.type] ?? 0) + Number(r.n);
  }
  return snap;
}

/**
 * `after - before`, per key; the snapshot's own outbox query, one per service with a relay, taken
 * out when the snapshot was read through the services' own connections (in-process).
 */
export function pipelineDelta(before: PipelineSnapshot, after: PipelineSnapshot, ownStatements = 1) {
  const diff = <K extends string>(a: Partial<Record<K, number>>, b: Partial<Record<K, number>>) =>
    Object.fromEntries(Object.keys(b).map((k) => [k, (b[k as K] ?? 0) - (a[k as K] ?? 0)])) as Record<K, number>;
  const sqlTotal = diff(before.sqlTotal, after.sqlTotal);
  for (const name of Object.keys(before.published) as SubgraphName[]) sqlTotal[name] -= ownStatements;
  return {
    sqlTotal,
    roundTrips: diff(before.roundTrips, after.roundTrips),
    transactions: diff(before.transactions, after.transactions),
    published: diff(before.published, after.published),
    outboxByType: diff(before.outboxByType, after.outboxByType),
  };
}
