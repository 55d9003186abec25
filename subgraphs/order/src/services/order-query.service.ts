import type { EntityManager } from '@mikro-orm/postgresql';
import { findRowsIn, mapRows } from '../../../../lib/db/read-rows.js';
import { runSql } from '../../../../lib/db/sql.js';
import { canSee, requireIdentity, type Identity } from '../../../../lib/auth/identity.js';
import { badInput, forbidden } from '../../../../lib/errors.js';
import { parseId } from '../../../../lib/ids.js';
import { decodeCursor, MAX_PAGE_SIZE, pageSize, toConnection, type Connection } from '../../../../lib/pagination.js';
import { OrderItem } from '../entities/order-item.entity.js';
import { ORDER_STATUSES, type OrderStatus } from '../entities/order-status.js';
import { OrderStatusChange } from '../entities/order-status-change.entity.js';
import { Order } from '../entities/order.entity.js';

/** An order the caller may see, `null` when none has that id, FORBIDDEN when it is someone else's. */
export function authorizeOrder(identity: Identity | null, order: Order | null): Order | null {
  const who = requireIdentity(identity);
  if (!order) return null;
  if (!canSee(who, order.customerId)) throw forbidden('This order belongs to another customer.');
  return order;
}

/** The most orders one `ordersByIds` reads: a page. */
export const MAX_ORDERS_BY_IDS = MAX_PAGE_SIZE;

/** `ids` as order ids, refused as a whole when there are too many or one is malformed. */
export function parseOrderIds(identity: Identity | null, ids: readonly string[]): string[] {
  requireIdentity(identity);
  if (ids.length > MAX_ORDERS_BY_IDS) throw badInput(`ids may hold at most ${MAX_ORDERS_BY_IDS} ids.`, { field: 'ids' });
  return ids.map((id) => parseId(id, 'ids'));
}

/**
 * Each of `orders` as `authorizeOrder` answers it alone, its refusal in its place: one order of
 * another customer's does not hide the others (a list resolver returns the error where the order would be).
 */
export function authorizeOrders(identity: Identity | null, orders: readonly (Order | null | Error)[]): (Order | null | Error)[] {
  return orders.map((order) => {
    if (order instanceof Error) return order;
    try {
      return authorizeOrder(identity, order);
    } catch (err) {
      return err as Error;
    }
  });
}

export interface OrderListArgs {
  first?: number | null;
  after?: string | null;
  status?: OrderStatus | null;
  customerId?: string | null;
}

/**
 * Newest first. A customer lists their own orders (asking for another customer's is FORBIDDEN);
 * an admin lists everyone's, or one customer's with `customerId`.
 */
export async function listOrders(em: EntityManager, identity: Identity | null, args: OrderListArgs): Promise<Connection<Order>> {
  const who = requireIdentity(identity);
  const first = pageSize(args.first);
  let customerId = args.customerId ? parseId(args.customerId, 'customerId') : undefined;
  if (who.role !== 'ADMIN') {
    if (customerId && customerId !== who.customerId) throw forbidden('Customers may list only their own orders.');
    customerId = who.customerId;
  }
  if (args.status && !ORDER_STATUSES.includes(args.status)) throw badInput('Unknown order status.', { field: 'status' });

  // Plain SQL, read into plain rows (lib/db/read-rows.ts): the query builder and hydration cost
  // more CPU than everything else in this read, the first of every orders page.
  const conditions: string[] = [];
  const params: unknown[] = [];
  if (customerId) {
    conditions.push('customer_id = ?');
    params.push(customerId);
  }
  if (args.status) {
    conditions.push('status = ?');
    params.push(args.status);
  }
  const filtered = conditions.length ? conditions.join(' and ') : 'true';
  let page = filtered;
  const pageParams = [...params];
  if (args.after) {
    const [at, id] = decodeCursor(args.after, 2) as [string, string];
    const placedAt = new Date(at);
    page += ' and (placed_at < ? or (placed_at = ? and id < ?))';
    pageParams.push(placedAt, placedAt, id);
  }
  const rows = await runSql(em, `select * from orders where ${page} order by placed_at desc, id desc limit ?`, [...pageParams, first + 1]);
  return toConnection(mapRows(em, Order, rows), first, (o) => [o.placedAt.toISOString(), o.id], async () => {
    const counted = await runSql<{ count: number }, 'get'>(em, `select count(*)::int as count from orders where ${filtered}`, params, 'get');
    return counted?.count ?? 0;
  });
}

export function findOrdersByIds(em: EntityManager, ids: readonly string[]): Promise<Order[]> {
  return findRowsIn(em, Order, 'id', ids);
}

export function findItemsByOrderIds(em: EntityManager, orderIds: readonly string[]): Promise<OrderItem[]> {
  return findRowsIn(em, OrderItem, 'orderId', orderIds, { orderId: 'asc', position: 'asc' });
}

export function findHistoryByOrderIds(em: EntityManager, orderIds: readonly string[]): Promise<OrderStatusChange[]> {
  return findRowsIn(em, OrderStatusChange, 'orderId', orderIds, { orderId: 'asc', at: 'asc', id: 'asc' });
}

/**
 * The newest `first + 1` orders of each customer in one statement (a window over customers),
 * so `Customer.orders` on a page of customers costs one SELECT, not one per customer.
 */
export async function findRecentOrdersOfCustomers(
  em: EntityManager,
  customerIds: readonly string[],
  first: number,
  status: OrderStatus | null,
): Promise<Order[]> {
  const rows = await em.getConnection().execute<Record<string, unknown>[]>(
    `select * from (
       select o.*, row_number() over (partition by o.customer_id order by o.placed_at desc, o.id desc) as rank
       from orders o
       where o.customer_id = any(array[?]::uuid[]) and (?::text is null or o.status = ?)
     ) ranked where rank <= ? order by customer_id, rank`,
    [[...customerIds], status, status, first + 1],
  );
  return mapRows(em, Order, rows.map(({ rank: _rank, ...row }) => row));
}

/** Order counts per customer in one statement. */
export async function countOrdersOfCustomers(em: EntityManager, customerIds: readonly string[], status: OrderStatus | null) {
  const rows = await em.getConnection().execute<{ customer_id: string; count: string }[]>(
    `select customer_id, count(*) as count from orders
     where customer_id = any(array[?]::uuid[]) and (?::text is null or status = ?) group by customer_id`,
    [[...customerIds], status, status],
  );
  return rows.map((r) => ({ customerId: r.customer_id, count: Number(r.count) }));
}
