import type { EntityManager } from '@mikro-orm/postgresql';
import { findRowsIn, mapRows } from '../../../../lib/db/read-rows.js';
import { Notification } from '../entities/notification.entity.js';

export function findNotificationsByIds(em: EntityManager, ids: readonly string[]): Promise<Notification[]> {
  return findRowsIn(em, Notification, 'id', ids);
}

/** Every notification about these orders, oldest first, in one statement. */
export function findNotificationsByOrderIds(em: EntityManager, orderIds: readonly string[]): Promise<Notification[]> {
  return findRowsIn(em, Notification, 'orderId', orderIds, { createdAt: 'asc', id: 'asc' });
}

/**
 * The newest `first` notifications of each customer, newest first, in one statement. A lateral
 * join walks the (customer_id, created_at, id) index backwards for each customer and stops after
 * `first` rows, so a customer with a long history costs no more than one with a short one.
 */
export async function findLatestNotificationsByCustomerIds(
  em: EntityManager,
  customerIds: readonly string[],
  first: number,
): Promise<Notification[]> {
  if (customerIds.length === 0 || first === 0) return [];
  const rows = await em.getConnection().execute<Record<string, unknown>[]>(
    `select n.* from unnest(array[?]::uuid[]) as c(id)
       cross join lateral (
         select * from notifications
          where customer_id = c.id
          order by created_at desc, id desc
          limit ?
       ) n`,
    [[...customerIds], first],
  );
  return mapRows(em, Notification, rows);
}
