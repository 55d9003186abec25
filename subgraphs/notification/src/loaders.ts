import type DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import { loaderById, loaderGroupedBy, type LoaderOptions } from '../../../lib/dataloader.js';
import type { Notification } from './entities/notification.entity.js';
import {
  findLatestNotificationsByCustomerIds,
  findNotificationsByIds,
  findNotificationsByOrderIds,
} from './services/notification.service.js';
import { findAttemptsByDeliveryIds } from './services/webhook-delivery.service.js';
import { findWebhookEndpointsByIds } from './services/webhook-endpoint.service.js';

/**
 * Per-request loaders: a page of orders or customers costs one SELECT for all their notifications,
 * and a page of webhook deliveries one for their endpoints and one for their attempts.
 * `Customer.notifications(first)` needs one loader per distinct `first`, since the limit is part of
 * the query; they are made on first use, so a request that asks one `first` costs one statement.
 */
export function createLoaders(em: EntityManager, opts: LoaderOptions) {
  const byCustomer = new Map<number, DataLoader<string, Notification[]>>();
  return {
    notification: loaderById((ids) => findNotificationsByIds(em, ids), (n) => n.id, opts),
    orderNotifications: loaderGroupedBy((ids) => findNotificationsByOrderIds(em, ids), (n) => n.orderId!, opts),
    customerNotifications(first: number): DataLoader<string, Notification[]> {
      let loader = byCustomer.get(first);
      if (!loader) {
        loader = loaderGroupedBy((ids) => findLatestNotificationsByCustomerIds(em, ids, first), (n) => n.customerId!, opts);
        byCustomer.set(first, loader);
      }
      return loader;
    },
    webhookEndpoint: loaderById((ids) => findWebhookEndpointsByIds(em, ids), (e) => e.id, opts),
    deliveryAttempts: loaderGroupedBy((ids) => findAttemptsByDeliveryIds(em, ids), (a) => a.deliveryId, opts),
  };
}
export type NotificationLoaders = ReturnType<typeof createLoaders>;
