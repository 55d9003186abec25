import type { EntityManager, EventSubscriber, FlushEventArgs, MikroORM, TransactionEventArgs } from '@mikro-orm/core';
import type { SqlTarget } from '../db/sql.js';
import { StepTx } from '../db/step-tx.js';
import type { EventEnvelope } from './envelope.js';
import { OutboxEvent } from './outbox-event.entity.js';

type HandOver = (envelopes: EventEnvelope[]) => void;

/** Each ORM's hand-over (by its configuration, which every fork shares), for events written outside a transaction. */
const handOvers = new WeakMap<object, HandOver>();

/**
 * Events written with SQL (`writeEvents`) inside a transaction, by that transaction, until it
 * commits. MikroORM runs commit hooks for root transactions only, so events written inside a
 * savepoint are never handed over from here: they wait in the outbox for the relay's poll, which
 * is slower but never publishes what a rolled-back savepoint took back.
 */
const writtenIn = new WeakMap<object, EventEnvelope[]>();

/**
 * Hands the outbox events of every transaction to `handOver` as soon as it commits, so they leave
 * in milliseconds instead of at the relay's next poll, without the relay reading them back: those
 * in its unit of work (`recordEvent`) and those written with SQL (`writeEvents`).
 *
 * Only a root commit hands anything over: a rolled-back transaction never does, and the events of
 * a nested transaction reach the root's identity map when the savepoint is released, so they go
 * with the root's commit. A flush outside any transaction commits on its own and hands over at once.
 */
export function publishOnCommit(orm: MikroORM, handOver: HandOver): void {
  handOvers.set(orm.config, handOver);
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
      const written = args.transaction && writtenIn.get(args.transaction);
      if (written) {
        writtenIn.delete(args.transaction!);
        handOver(written);
      }
    },
  };
  orm.em.getEventManager().registerSubscriber(subscriber);
}

/**
 * For events `em` has just written with SQL: they go to the relay when `em`'s transaction commits
 * (a step transaction's too), or now when `em` is in none (the statement that wrote them has
 * committed). Without a relay they wait in the outbox for its first poll.
 */
export function handOverOnCommit(em: SqlTarget, envelopes: readonly EventEnvelope[]): void {
  if (em instanceof StepTx) {
    em.afterCommit(() => handOvers.get(em.orm.config)?.([...envelopes]));
    return;
  }
  const trx = em.getTransactionContext<object>();
  if (!trx) {
    handOvers.get(em.config)?.([...envelopes]);
    return;
  }
  const pending = writtenIn.get(trx);
  if (pending) pending.push(...envelopes);
  else writtenIn.set(trx, [...envelopes]);
}
