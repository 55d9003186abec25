import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import { loaderById, loaderGroupedBy, type LoaderOptions } from '../../../lib/dataloader.js';
import type { Order } from './entities/order.entity.js';
import type { OrderStatus } from './entities/order-status.js';
import { findCustomersByIds } from './services/customer.service.js';
import {
  countOrdersOfCustomers,
  findHistoryByOrderIds,
  findItemsByOrderIds,
  findOrdersByIds,
  findRecentOrdersOfCustomers,
} from './services/order-query.service.js';

/** Per-request loaders: each kind of lookup in one GraphQL request costs one SELECT, whatever the page size. */
export function createLoaders(em: EntityManager, opts: LoaderOptions) {
  // `Customer.orders(first, status)` may be asked with different arguments in one request: one loader per pair.
  const recentOrders = new Map<string, DataLoader<string, Order[]>>();
  const orderCounts = new Map<string, DataLoader<string, number>>();
  return {
    customer: loaderById((ids) => findCustomersByIds(em, ids), (c) => c.id, opts),
    order: loaderById((ids) => findOrdersByIds(em, ids), (o) => o.id, opts),
    items: loaderGroupedBy((ids) => findItemsByOrderIds(em, ids), (i) => i.orderId, opts),
    history: loaderGroupedBy((ids) => findHistoryByOrderIds(em, ids), (h) => h.orderId, opts),
    recentOrders(first: number, status: OrderStatus | null): DataLoader<string, Order[]> {
      const key = `${first}:${status ?? ''}`;
      let loader = recentOrders.get(key);
      if (!loader) {
        loader = loaderGroupedBy((ids) => findRecentOrdersOfCustomers(em, ids, first, status), (o) => o.customerId, opts);
        recentOrders.set(key, loader);
      }
      return loader;
    },
    orderCount(status: OrderStatus | null): DataLoader<string, number> {
      const key = status ?? '';
      let loader = orderCounts.get(key);
      if (!loader) {
        loader = new DataLoader(
          async (ids: readonly string[]) => {
            const counts = new Map((await countOrdersOfCustomers(em, ids, status)).map((c) => [c.customerId, c.count]));
            return ids.map((id) => counts.get(id) ?? 0);
          },
          { batch: opts.batch },
        );
        orderCounts.set(key, loader);
      }
      return loader;
    },
  };
}
export type OrderLoaders = ReturnType<typeof createLoaders>;
