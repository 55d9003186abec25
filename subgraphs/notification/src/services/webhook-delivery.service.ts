import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { findRowsIn } from '../../../../lib/db/read-rows.js';
import { AppError, ErrorCode, notFound } from '../../../../lib/errors.js';
import { pageSize, toConnection, type Connection } from '../../../../lib/pagination.js';
import { Notification, type DeliveryStatus } from '../entities/notification.entity.js';
import { WebhookDeliveryAttempt } from '../entities/webhook-delivery-attempt.entity.js';
import { WebhookDelivery } from '../entities/webhook-delivery.entity.js';
import { WebhookEndpoint } from '../entities/webhook-endpoint.entity.js';
import { createdAtKey, olderThan } from './created-at-cursor.js';

export interface WebhookDeliveryListArgs {
  first?: number | null;
  after?: string | null;
  endpointId?: string | null;
  status?: DeliveryStatus | null;
  eventType?: string | null;
}

/** Deliveries, newest first, with keyset pagination like the notification list. */
export async function listWebhookDeliveries(em: EntityManager, args: WebhookDeliveryListArgs): Promise<Connection<WebhookDelivery>> {
  const first = pageSize(args.first);
  const filtered = () => {
    const qb = em.createQueryBuilder(WebhookDelivery, 'd');
    if (args.endpointId) qb.andWhere({ endpointId: args.endpointId });
    if (args.status) qb.andWhere({ status: args.status });
    if (args.eventType) qb.andWhere({ eventType: args.eventType });
    return qb;
  };
  const page = filtered();
  if (args.after) page.andWhere(olderThan(args.after));
  // Plain rows, not managed entities: a page is only read (lib/db/read-rows.ts says why).
  const rows = await page.orderBy({ createdAt: 'desc', id: 'desc' }).limit(first + 1).execute<WebhookDelivery[]>('all');
  return toConnection(rows, first, createdAtKey, () => filtered().getCount());
}

export function findWebhookDelivery(em: EntityManager, id: string): Promise<WebhookDelivery | null> {
  return em.findOne(WebhookDelivery, id);
}

/** The attempts of these deliveries, each delivery's in the order they were made, in one statement. */
export function findAttemptsByDeliveryIds(em: EntityManager, ids: readonly string[]): Promise<WebhookDeliveryAttempt[]> {
  return findRowsIn(em, WebhookDeliveryAttempt, 'deliveryId', ids, { deliveryId: 'asc', attemptNumber: 'asc' });
}

/** Closes the still-PENDING deliveries matching `where` as FAILED with `reason`, and their notifications with them. */
export async function failPendingDeliveries(em: EntityManager, where: { endpointId: string } | { id: string }, reason: string): Promise<void> {
  const pending = await em.find(WebhookDelivery, { ...where, status: 'PENDING' }, { fields: ['id', 'notificationId'] });
  if (pending.length === 0) return;
  const closed = { status: 'FAILED' as const, nextAttemptAt: null, lastError: reason, updatedAt: new Date() };
  await em.nativeUpdate(WebhookDelivery, { id: { $in: pending.map((d) => d.id) }, status: 'PENDING' }, closed);
  const notifications = pending.map((d) => d.notificationId).filter((id): id is string => id !== null);
  if (notifications.length) await em.nativeUpdate(Notification, { id: { $in: notifications } }, closed);
}

/**
 * Starts a new attempt cycle for a delivery that is SENT (the receiver lost it) or FAILED (the
 * receiver is fixed): due now, with the whole retry schedule ahead of it and the same `webhook-id`.
 * Earlier attempts stay on record; the new ones number on from them.
 */
export async function redeliverWebhook(em: EntityManager, deliveryId: string): Promise<WebhookDelivery> {
  return em.transactional(async (tx) => {
    const delivery = await tx.findOne(WebhookDelivery, deliveryId, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!delivery) throw notFound('Webhook delivery');
    if (delivery.status === 'PENDING') throw new AppError(ErrorCode.CONFLICT, 'This delivery is still being attempted.', { status: delivery.status });
    const endpoint = await tx.findOne(WebhookEndpoint, delivery.endpointId);
    if (!endpoint || endpoint.deletedAt) throw new AppError(ErrorCode.CONFLICT, 'The endpoint of this delivery was deleted.');
    const now = new Date();
    Object.assign(delivery, { status: 'PENDING', cycleAttempts: 0, nextAttemptAt: now });
    if (delivery.notificationId) {
      await tx.nativeUpdate(Notification, { id: delivery.notificationId }, { status: 'PENDING', nextAttemptAt: now, updatedAt: now });
    }
    return delivery;
  });
}
