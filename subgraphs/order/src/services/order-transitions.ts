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

type Line = Pick<OrderItem, 'productId' | 'quantity' | 'unitPriceCents'>;
export type OrderFacts = ReturnType<typeof factsOf>;

/** The order's lines and customer as event payload fields. */
export function factsOf(order: Order, customer: Pick<Customer, 'email' | 'name'>, lines: readonly Line[]) {
  return {
    ref: { orderId: order.id, customerId: order.customerId, customerEmail: customer.email, customerName: customer.name },
    lines: lines.map((i) => ({ productId: i.productId, quantity: i.quantity, unitPriceCents: i.unitPriceCents })),
    totalCents: order.totalCents,
  };
}

/**
 * Loads the facts of an order that events after placement repeat. One statement: a saga step is
 * a transaction per event, and a round trip costs more than the rows it returns.
 */
export async function orderFacts(em: EntityManager, order: Order): Promise<OrderFacts> {
  const rows = await em.getConnection().execute<{ email: string; name: string; product_id: string | null; quantity: number; unit_price_cents: number }[]>(
    `select c.email, c.name, i.product_id, i.quantity, i.unit_price_cents
       from customers c left join order_items i on i.order_id = ?
      where c.id = ? order by i.position`,
    [order.id, order.customerId],
    'all',
    em.getTransactionContext(),
  );
  if (rows.length === 0) throw new Error(`Customer ${order.customerId} of order ${order.id} does not exist.`);
  const lines = rows.filter((r) => r.product_id !== null).map((r) => ({ productId: r.product_id!, quantity: r.quantity, unitPriceCents: r.unit_price_cents }));
  return factsOf(order, rows[0], lines);
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
