import { SUBGRAPH_NAMES, type SubgraphName } from '../../lib/config.js';
import type { TestStack } from '../../lib/testing/stack.js';

type PerService = Partial<Record<SubgraphName, number>>;

export interface PipelineSnapshot {
  /** Every SQL statement each service sent, background work included. */
  sqlTotal: PerService;
  /** Events each service's relay published (JetStream duplicates not counted). */
  published: PerService;
  /** Outbox rows by event type, over all services. */
  outboxByType: Record<string, number>;
}

/** Counters of the whole event pipeline, to difference around the measured load. */
export async function snapshotPipeline(stack: TestStack): Promise<PipelineSnapshot> {
  const snap: PipelineSnapshot = { sqlTotal: {}, published: {}, outboxByType: {} };
  for (const name of SUBGRAPH_NAMES) {
    const app = stack.subgraphs[name];
    snap.sqlTotal[name] = app.db.sql.total;
    if (!app.messaging?.relay) continue;
    snap.published[name] = app.messaging.relay.published;
    // Read through a bare connection that the statement counter also sees: subtract these later.
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
  return { sqlTotal, published: diff(before.published, after.published), outboxByType: diff(before.outboxByType, after.outboxByType) };
}
