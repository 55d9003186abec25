import { randomUUID } from 'node:crypto';
import { runSql, type SqlStatement, type SqlTarget } from '../../../../lib/db/sql.js';
import type { EventEnvelope } from '../../../../lib/events/envelope.js';
import { newEvent, writeEvents, type EventCause } from '../../../../lib/events/record-event.js';
import { AppError, ErrorCode } from '../../../../lib/errors.js';
import type { Customer } from '../entities/customer.entity.js';
import type { OrderItem } from '../entities/order-item.entity.js';
import { OrderStatus } from '../entities/order-status.js';
import type { Order } from '../entities/order.entity.js';

/*
 * The order state machine. Saga steps run it once per event, so it speaks SQL: locking an order
 * with everything its events repeat is one statement, and a transition (status, history row,
 * `order.status_changed` and the step's own event) is one more.
 */

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
export function factsOf(order: Pick<Order, 'id' | 'customerId' | 'totalCents'>, customer: Pick<Customer, 'email' | 'name'>, lines: readonly Line[]) {
  return {
    ref: { orderId: order.id, customerId: order.customerId, customerEmail: customer.email, customerName: customer.name },
    lines: lines.map((i) => ({ productId: i.productId, quantity: i.quantity, unitPriceCents: i.unitPriceCents })),
    totalCents: order.totalCents,
  };
}

/** An order locked for a transition: the columns transitions read, and the facts its events repeat. */
export interface LockedOrder extends Pick<Order, 'id' | 'customerId' | 'status' | 'statusSequence' | 'totalCents' | 'paymentMethodId'> {
  facts: OrderFacts;
}

interface LockedRow {
  id: string;
  customer_id: string;
  status: OrderStatus;
  status_sequence: number;
  total_cents: number;
  payment_method_id: string;
  email: string;
  name: string;
  product_id: string | null;
  quantity: number;
  unit_price_cents: number;
}

/**
 * Locks an order (`for update`, held until the caller's transaction ends, so two steps of one
 * order never interleave) and reads it with its customer and lines, in one statement; null when
 * there is no such order.
 */
export async function lockOrder(em: SqlTarget, orderId: string): Promise<LockedOrder | null> {
  const rows = await runSql<LockedRow>(
    em,
    `select o.id, o.customer_id, o.status, o.status_sequence, o.total_cents, o.payment_method_id,
            c.email, c.name, i.product_id, i.quantity, i.unit_price_cents
       from orders o
       join customers c on c.id = o.customer_id
       left join order_items i on i.order_id = o.id
      where o.id = ?
      order by i.position
        for update of o`,
    [orderId],
  );
  if (rows.length === 0) return null;
  const [row] = rows;
  const order = {
    id: row.id,
    customerId: row.customer_id,
    status: row.status,
    statusSequence: row.status_sequence,
    totalCents: row.total_cents,
    paymentMethodId: row.payment_method_id,
  };
  const lines = rows.filter((r) => r.product_id !== null).map((r) => ({ productId: r.product_id!, quantity: r.quantity, unitPriceCents: r.unit_price_cents }));
  return { ...order, facts: factsOf(order, row, lines) };
}

/** The history row of a transition, as a statement for `writeEvents`. */
function historyRow(orderId: string, status: OrderStatus, reason: string | null, at: Date): SqlStatement {
  return {
    sql: 'insert into order_status_changes (id, order_id, status, reason, at) values (?, ?, ?, ?, ?)',
    params: [randomUUID(), orderId, status, reason, at],
  };
}

/**
 * Moves a locked order to `to` in the caller's transaction, in one statement: the status, the
 * sequence, a history row, `order.status_changed`, and the transition's own events (`order.paid`,
 * `order.failed`…), which `ownEvents` builds once the move is known to be allowed. CONFLICT when
 * the state machine does not allow it.
 */
export async function transition(
  em: SqlTarget,
  order: LockedOrder,
  to: OrderStatus,
  opts: { reason?: string | null; cause?: EventCause; trackingNumber?: string },
  ownEvents: () => EventEnvelope[] = () => [],
): Promise<void> {
  if (!canTransition(order.status, to)) {
    throw new AppError(ErrorCode.CONFLICT, `An order that is ${order.status} cannot become ${to}.`, { status: order.status });
  }
  const reason = opts.reason ?? null;
  const statusSequence = order.statusSequence + 1;
  const now = new Date();
  const set: [string, unknown][] = [['status', to], ['status_sequence', statusSequence], ['updated_at', now]];
  if (to === OrderStatus.FAILED || to === OrderStatus.CANCELLED) set.push(['failure_reason', reason]);
  if (opts.trackingNumber !== undefined) set.push(['tracking_number', opts.trackingNumber]);
  const update: SqlStatement = {
    sql: `update orders set ${set.map(([column]) => `${column} = ?`).join(', ')} where id = ?`,
    params: [...set.map(([, value]) => value), order.id],
  };
  const statusChanged = newEvent(
    'order.status_changed',
    { orderId: order.id, customerId: order.customerId, status: to, previousStatus: order.status, reason, sequence: statusSequence },
    { aggregateId: order.id, cause: opts.cause },
  );
  await writeEvents(em, [statusChanged, ...ownEvents()], [update, historyRow(order.id, to, reason, now)]);
}

/**
 * The first status of a new order, recorded like every later one: its history row and its
 * `order.status_changed`, for the statement that inserts the order.
 */
export function placedRecords(order: Pick<Order, 'id' | 'customerId' | 'statusSequence' | 'placedAt'>, cause: EventCause) {
  return {
    history: historyRow(order.id, OrderStatus.PENDING, null, order.placedAt),
    statusChanged: newEvent(
      'order.status_changed',
      { orderId: order.id, customerId: order.customerId, status: 'PENDING', previousStatus: null, reason: null, sequence: order.statusSequence },
      { aggregateId: order.id, cause },
    ),
  };
}
