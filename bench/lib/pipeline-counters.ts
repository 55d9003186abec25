import { SUBGRAPH_NAMES, type SubgraphName } from '../../lib/config.js';
import type { TestStack } from '../../lib/testing/stack.js';

type PerService = Partial<Record<SubgraphName, number>>;

export interface PipelineSnapshot {
  /** Every SQL statement each service sent, background work included (BEGIN and COMMIT are not statements here). */
  sqlTotal: PerService;
  /** Transactions each service began, background work included: each costs a BEGIN and a COMMIT more. */
  transactions: PerService;
  /** Events each service's relay published (JetStream duplicates not counted). */
  published: PerService;
  /** Outbox rows by event type, over all services. */
  outboxByType: Record<string, number>;
}

/**
 * Counts every root transaction each service begins from now on (a savepoint is not one). The
 * ORM's forks copy its subscribers, so transactions on entity managers forked later count too.
 */
export function countTransactions(stack: TestStack): () => PerService {
  const counts: PerService = {};
  for (const name of SUBGRAPH_NAMES) {
    counts[name] = 0;
    stack.subgraphs[name].db.orm.em.getEventManager().registerSubscriber({
      afterTransactionStart: () => {
        counts[name]!++;
      },
    });
  }
  return () => ({ ...counts });
}

/** Counters of the whole event pipeline, to difference around the measured load. */
export async function snapshotPipeline(stack: TestStack, transactions: () => PerService): Promise<PipelineSnapshot> {
  const snap: PipelineSnapshot = { sqlTotal: {}, transactions: transactions(), published: {}, outboxByType: {} };
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

/** `after - before`, per key; the snapshot's own outbox query (one per service with a relay) taken out. */
export function pipelineDelta(before: PipelineSnapshot, after: PipelineSnapshot) {
  const diff = <K extends string>(a: Partial<Record<K, number>>, b: Partial<Record<K, number>>) =>
    Object.fromEntries(Object.keys(b).map((k) => [k, (b[k as K] ?? 0) - (a[k as K] ?? 0)])) as Record<K, number>;
  const sqlTotal = diff(before.sqlTotal, after.sqlTotal);
  for (const name of Object.keys(before.published) as SubgraphName[]) sqlTotal[name] -= 1;
  return {
    sqlTotal,
    transactions: diff(before.transactions, after.transactions),
    published: diff(before.published, after.published),
    outboxByType: diff(before.outboxByType, after.outboxByType),
  };
}
