import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventCause } from '../../../../lib/events/record-event.js';
import { recordEvent } from '../../../../lib/events/record-event.js';
import { AppError, ErrorCode } from '../../../../lib/errors.js';
import { Customer } from '../entities/customer.entity.js';
import { OrderItem } from '../entities/order-item.entity.js';
import { OrderStatus } from '../entities/order-status.js';
import { OrderStatusChange } from '../entities/order-status-change.entity.js';
import type { Order } from '../entities/order.entity.js';

/** The state machine of DESIGN.md: which status may follow which. */
const NEXT: Record<OrderStatus, readonly OrderStatus[]> = {
  PENDING: ['RESERVED', 'FAILED', 'CANCELLED'],
  RESERVED: ['PAID', 'FAILED', 'CANCELLED'],
  PAID: ['SHIPPED', 'CANCELLED'],
  SHIPPED: ['DELIVERED'],
  DELIVERED: [],
  CANCELLED: [],
  FAILED: [],
};

export const FINAL_STATUSES: readonly OrderStatus[] = ['DELIVERED', 'CANCELLED', 'FAILED'];

export const canTransition = (from: OrderStatus, to: OrderStatus) => NEXT[from].includes(to);

/** The order's lines and customer as event payload fields. */
export async function orderFacts(em: EntityManager, order: Order) {
  const [customer, items] = await Promise.all([
    em.findOneOrFail(Customer, order.customerId),
    em.find(OrderItem, { orderId: order.id }, { orderBy: { position: 'asc' } }),
  ]);
  return {
    ref: { orderId: order.id, customerId: order.customerId, customerEmail: customer.email, customerName: customer.name },
    lines: items.map((i) => ({ productId: i.productId, quantity: i.quantity, unitPriceCents: i.unitPriceCents })),
    totalCents: order.totalCents,
  };
}

/**
 * Moves an order to `to` (the caller holds the row lock): the status, a history row, the sequence,
 * and `order.status_changed` all land in the caller's transaction. The caller records the
 * transition's own event (order.paid, order.failed…).
 */
export function transition(em: EntityManager, order: Order, to: OrderStatus, opts: { reason?: string | null; cause?: EventCause }): void {
  if (!canTransition(order.status, to)) {
    throw new AppError(ErrorCode.CONFLICT, `An order that is ${order.status} cannot become ${to}.`, { status: order.status });
  }
  const previousStatus = order.status;
  order.status = to;
  order.statusSequence += 1;
  if (to === OrderStatus.FAILED || to === OrderStatus.CANCELLED) order.failureReason = opts.reason ?? null;
  em.persist(Object.assign(new OrderStatusChange(), { orderId: order.id, status: to, reason: opts.reason ?? null }));
  recordEvent(
    em,
    'order.status_changed',
    { orderId: order.id, customerId: order.customerId, status: to, previousStatus, reason: opts.reason ?? null, sequence: order.statusSequence },
    { aggregateId: order.id, cause: opts.cause },
  );
}

/** The first status of a new order, recorded like every later one. */
export function recordPlaced(em: EntityManager, order: Order, cause: EventCause): void {
  em.persist(Object.assign(new OrderStatusChange(), { orderId: order.id, status: OrderStatus.PENDING, at: order.placedAt }));
  recordEvent(
    em,
    'order.status_changed',
    { orderId: order.id, customerId: order.customerId, status: 'PENDING', previousStatus: null, reason: null, sequence: order.statusSequence },
    { aggregateId: order.id, cause },
  );
}
