import type { SqlTarget } from '../../../../lib/db/sql.js';
import type { FailureReason } from '../../../../lib/events/contracts/common.js';
import type { EventEnvelope } from '../../../../lib/events/envelope.js';
import type { EventSteps } from '../../../../lib/events/handlers.js';
import { newEvent } from '../../../../lib/events/record-event.js';
import type { OrderStatus } from '../entities/order-status.js';
import { canTransition, lockOrder, transition, type LockedOrder } from '../services/order-transitions.js';

/*
 * Each step is two statements, and two round trips with the consumer's inbox row and COMMIT: lock
 * the order with its facts, then the transition with its events.
 */

/**
 * Loads and locks the order an event is about. Events can arrive late or after a cancellation: when
 * the transition no longer applies the event is stale and changes nothing.
 */
async function lockFor(em: SqlTarget, orderId: string, to: OrderStatus): Promise<LockedOrder | null> {
  const order = await lockOrder(em, orderId);
  if (!order || !canTransition(order.status, to)) return null;
  return order;
}

/** Fails an order that can still fail, and asks the other services to undo their part. */
export async function failOrder(em: SqlTarget, orderId: string, reason: FailureReason, cause: EventEnvelope): Promise<void> {
  const order = await lockFor(em, orderId, 'FAILED');
  if (!order) return;
  const { ref, lines, totalCents } = order.facts;
  await transition(em, order, 'FAILED', { reason, cause }, () => [
    newEvent('order.failed', { ...ref, reason, lines, totalCents }, { aggregateId: order.id, cause }),
  ]);
}

/** The order service's steps of the saga (DESIGN.md). */
export const sagaSteps: EventSteps = {
  'inventory.stock_reserved': async (em, event) => {
    const order = await lockFor(em, event.data.orderId, 'RESERVED');
    if (!order) return;
    await transition(em, order, 'RESERVED', { cause: event }, () => [
      newEvent(
        'order.payment_requested',
        { orderId: order.id, customerId: order.customerId, amountCents: order.totalCents, paymentMethodId: order.paymentMethodId },
        { aggregateId: order.id, cause: event },
      ),
    ]);
  },
  'inventory.stock_rejected': (em, event) => failOrder(em, event.data.orderId, 'OUT_OF_STOCK', event),
  'payment.succeeded': async (em, event) => {
    const order = await lockFor(em, event.data.orderId, 'PAID');
    if (!order) return;
    const { ref, lines, totalCents } = order.facts;
    await transition(em, order, 'PAID', { cause: event }, () => [
      newEvent('order.paid', { ...ref, lines, totalCents, paymentId: event.data.paymentId }, { aggregateId: order.id, cause: event }),
    ]);
  },
  'payment.failed': (em, event) => failOrder(em, event.data.orderId, event.data.code, event),
};
