import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { canSee, requireAdmin, requireIdentity, type Identity } from '../../../../lib/auth/identity.js';
import { recordEvent } from '../../../../lib/events/record-event.js';
import { badInput, forbidden, notFound } from '../../../../lib/errors.js';
import { Order } from '../entities/order.entity.js';
import { orderFacts, transition } from './order-transitions.js';

async function lockOrder(em: EntityManager, id: string): Promise<Order> {
  const order = await em.findOne(Order, id, { lockMode: LockMode.PESSIMISTIC_WRITE });
  if (!order) throw notFound('Order');
  return order;
}

/** The owner (or an admin) cancels an order that has not shipped; the saga releases stock and refunds. */
export function cancelOrder(em: EntityManager, identity: Identity | null, id: string, reason: string | null, requestId: string): Promise<Order> {
  const who = requireIdentity(identity);
  if (reason && reason.length > 200) throw badInput('reason may have at most 200 characters.', { field: 'reason' });
  return em.transactional(async (tx) => {
    const order = await lockOrder(tx, id);
    if (!canSee(who, order.customerId)) throw forbidden('This order belongs to another customer.');
    const previousStatus = order.status;
    const cause = { requestId };
    transition(tx, order, 'CANCELLED', { reason: reason ?? 'Cancelled by request', cause });
    const facts = await orderFacts(tx, order);
    recordEvent(tx, 'order.cancelled', { ...facts.ref, reason, previousStatus, lines: facts.lines, totalCents: facts.totalCents }, { aggregateId: order.id, cause });
    return order;
  });
}

/** Admin: a PAID order leaves the warehouse. */
export function shipOrder(em: EntityManager, identity: Identity | null, id: string, trackingNumber: string, requestId: string): Promise<Order> {
  requireAdmin(identity);
  const tracking = trackingNumber.trim();
  if (tracking.length < 1 || tracking.length > 100) throw badInput('trackingNumber must have 1 to 100 characters.', { field: 'trackingNumber' });
  return em.transactional(async (tx) => {
    const order = await lockOrder(tx, id);
    const cause = { requestId };
    transition(tx, order, 'SHIPPED', { cause });
    order.trackingNumber = tracking;
    const facts = await orderFacts(tx, order);
    recordEvent(tx, 'order.shipped', { ...facts.ref, trackingNumber: tracking, lines: facts.lines, totalCents: facts.totalCents }, { aggregateId: order.id, cause });
    return order;
  });
}

/** Admin: a shipped order arrived. */
export function markOrderDelivered(em: EntityManager, identity: Identity | null, id: string, requestId: string): Promise<Order> {
  requireAdmin(identity);
  return em.transactional(async (tx) => {
    const order = await lockOrder(tx, id);
    const cause = { requestId };
    transition(tx, order, 'DELIVERED', { cause });
    const facts = await orderFacts(tx, order);
    recordEvent(tx, 'order.delivered', { ...facts.ref }, { aggregateId: order.id, cause });
    return order;
  });
}
