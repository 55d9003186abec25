import type { EntityManager } from '@mikro-orm/postgresql';
import { canSee, requireAdmin, requireIdentity, type Identity } from '../../../../lib/auth/identity.js';
import { newEvent } from '../../../../lib/events/record-event.js';
import { badInput, forbidden, notFound } from '../../../../lib/errors.js';
import { Order } from '../entities/order.entity.js';
import { lockOrder, transition, type LockedOrder } from './order-transitions.js';

async function lockOrFail(em: EntityManager, id: string): Promise<LockedOrder> {
  const order = await lockOrder(em, id);
  if (!order) throw notFound('Order');
  return order;
}

/** The order as the mutation answers it, read back inside the transaction that changed it. */
const reread = (em: EntityManager, id: string) => em.findOneOrFail(Order, id, { refresh: true });

/** The owner (or an admin) cancels an order that has not shipped; the saga releases stock and refunds. */
export function cancelOrder(em: EntityManager, identity: Identity | null, id: string, reason: string | null, requestId: string): Promise<Order> {
  const who = requireIdentity(identity);
  if (reason && reason.length > 200) throw badInput('reason may have at most 200 characters.', { field: 'reason' });
  return em.transactional(async (tx) => {
    const order = await lockOrFail(tx, id);
    if (!canSee(who, order.customerId)) throw forbidden('This order belongs to another customer.');
    const cause = { requestId };
    const { ref, lines, totalCents } = order.facts;
    await transition(tx, order, 'CANCELLED', { reason: reason ?? 'Cancelled by request', cause }, () => [
      newEvent('order.cancelled', { ...ref, reason, previousStatus: order.status, lines, totalCents }, { aggregateId: order.id, cause }),
    ]);
    return reread(tx, order.id);
  });
}

/** Admin: a PAID order leaves the warehouse. */
export function shipOrder(em: EntityManager, identity: Identity | null, id: string, trackingNumber: string, requestId: string): Promise<Order> {
  requireAdmin(identity);
  const tracking = trackingNumber.trim();
  if (tracking.length < 1 || tracking.length > 100) throw badInput('trackingNumber must have 1 to 100 characters.', { field: 'trackingNumber' });
  return em.transactional(async (tx) => {
    const order = await lockOrFail(tx, id);
    const cause = { requestId };
    const { ref, lines, totalCents } = order.facts;
    await transition(tx, order, 'SHIPPED', { cause, trackingNumber: tracking }, () => [
      newEvent('order.shipped', { ...ref, trackingNumber: tracking, lines, totalCents }, { aggregateId: order.id, cause }),
    ]);
    return reread(tx, order.id);
  });
}

/** Admin: a shipped order arrived. */
export function markOrderDelivered(em: EntityManager, identity: Identity | null, id: string, requestId: string): Promise<Order> {
  requireAdmin(identity);
  return em.transactional(async (tx) => {
    const order = await lockOrFail(tx, id);
    const cause = { requestId };
    await transition(tx, order, 'DELIVERED', { cause }, () => [newEvent('order.delivered', { ...order.facts.ref }, { aggregateId: order.id, cause })]);
    return reread(tx, order.id);
  });
}
