import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { FailureReason } from '../../../../lib/events/contracts/common.js';
import type { EventEnvelope } from '../../../../lib/events/envelope.js';
import type { EventHandlers } from '../../../../lib/events/handlers.js';
import { recordEvent } from '../../../../lib/events/record-event.js';
import type { OrderStatus } from '../entities/order-status.js';
import { Order } from '../entities/order.entity.js';
import { canTransition, orderFacts, transition } from '../services/order-transitions.js';

/**
 * Loads and locks the order an event is about. Events can arrive late or after a cancellation: when
 * the transition no longer applies the event is stale and changes nothing.
 */
async function lockFor(em: EntityManager, orderId: string, to: OrderStatus): Promise<Order | null> {
  const order = await em.findOne(Order, orderId, { lockMode: LockMode.PESSIMISTIC_WRITE });
  if (!order || !canTransition(order.status, to)) return null;
  return order;
}

/** Fails an order that can still fail, and asks the other services to undo their part. */
export async function failOrder(em: EntityManager, orderId: string, reason: FailureReason, cause: EventEnvelope): Promise<void> {
  const order = await lockFor(em, orderId, 'FAILED');
  if (!order) return;
  transition(em, order, 'FAILED', { reason, cause });
  const facts = await orderFacts(em, order);
  recordEvent(em, 'order.failed', { ...facts.ref, reason, lines: facts.lines, totalCents: facts.totalCents }, { aggregateId: order.id, cause });
}

/** The order service's steps of the saga (DESIGN.md). */
export const sagaHandlers: EventHandlers = {
  'inventory.stock_reserved': async (em, event) => {
    const order = await lockFor(em, event.data.orderId, 'RESERVED');
    if (!order) return;
    transition(em, order, 'RESERVED', { cause: event });
    recordEvent(
      em,
      'order.payment_requested',
      { orderId: order.id, customerId: order.customerId, amountCents: order.totalCents, paymentMethodId: order.paymentMethodId },
      { aggregateId: order.id, cause: event },
    );
  },
  'inventory.stock_rejected': (em, event) => failOrder(em, event.data.orderId, 'OUT_OF_STOCK', event),
  'payment.succeeded': async (em, event) => {
    const order = await lockFor(em, event.data.orderId, 'PAID');
    if (!order) return;
    transition(em, order, 'PAID', { cause: event });
    const facts = await orderFacts(em, order);
    recordEvent(em, 'order.paid', { ...facts.ref, lines: facts.lines, totalCents: facts.totalCents, paymentId: event.data.paymentId }, { aggregateId: order.id, cause: event });
  },
  'payment.failed': (em, event) => failOrder(em, event.data.orderId, event.data.code, event),
};
