import type { EntityManager, EventSubscriber, FlushEventArgs, MikroORM, TransactionEventArgs } from '@mikro-orm/core';
import { OutboxEvent } from './outbox-event.entity.js';

/**
 * Kicks the relay as soon as a transaction that wrote outbox rows commits, so events leave in
 * milliseconds instead of at the next poll. Flushes inside a transaction are remembered until commit.
 */
export function kickRelayOnCommit(orm: MikroORM, kick: () => void): void {
  const pending = new WeakSet<EntityManager>();
  const subscriber: EventSubscriber = {
    afterFlush(args: FlushEventArgs) {
      if (!args.uow.getChangeSets().some((cs) => cs.entity instanceof OutboxEvent)) return;
      if (args.em.isInTransaction()) pending.add(args.em);
      else kick();
    },
    afterTransactionCommit(args: TransactionEventArgs) {
      if (pending.has(args.em)) {
        pending.delete(args.em);
        kick();
      }
    },
  };
  orm.em.getEventManager().registerSubscriber(subscriber);
}
