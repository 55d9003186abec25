import type { EntityManager, EventSubscriber, FlushEventArgs, MikroORM, TransactionEventArgs } from '@mikro-orm/core';
import type { EventEnvelope } from './envelope.js';
import { OutboxEvent } from './outbox-event.entity.js';

/**
 * Hands the outbox events of every transaction to `handOver` as soon as it commits, so they leave
 * in milliseconds instead of at the relay's next poll, without the relay reading them back.
 *
 * Only a root commit hands anything over: a rolled-back transaction never does, and the events of
 * a nested transaction reach the root's identity map when the savepoint is released, so they go
 * with the root's commit. A flush outside any transaction commits on its own and hands over at once.
 */
export function publishOnCommit(orm: MikroORM, handOver: (envelopes: EventEnvelope[]) => void): void {
  // An entity manager forked with its parent's identity map sees events handed over before.
  const handed = new WeakSet<OutboxEvent>();
  const take = (rows: Iterable<unknown>) => {
    const envelopes: EventEnvelope[] = [];
    for (const row of rows) {
      if (!(row instanceof OutboxEvent) || handed.has(row) || row.publishedAt) continue;
      handed.add(row);
      envelopes.push(row.envelope);
    }
    if (envelopes.length) handOver(envelopes);
  };
  const subscriber: EventSubscriber = {
    afterFlush(args: FlushEventArgs) {
      if (args.em.isInTransaction()) return;
      take(args.uow.getChangeSets().map((cs) => cs.entity));
    },
    afterTransactionCommit(args: TransactionEventArgs) {
      take((args.em as EntityManager).getUnitOfWork(false).getIdentityMap());
    },
  };
  orm.em.getEventManager().registerSubscriber(subscriber);
}
