import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventEnvelope } from '../../../../lib/events/envelope.js';
import { Notification } from '../entities/notification.entity.js';
import { WebhookDelivery } from '../entities/webhook-delivery.entity.js';
import { WebhookEndpoint } from '../entities/webhook-endpoint.entity.js';

/** The body every endpoint receives, in the shape the Standard Webhooks spec recommends. */
export function webhookBody(event: EventEnvelope): string {
  return JSON.stringify({ type: event.type, timestamp: event.occurredAt, data: event.data });
}

/**
 * Queues `event` for every live endpoint subscribed to its type, in the caller's transaction: a
 * PENDING delivery per endpoint, due at once, and the WEBHOOK notification that puts it on the
 * message record. Unique by (endpoint, event) and (event, template, recipient): a second run adds nothing.
 */
export async function queueWebhooks(em: EntityManager, event: EventEnvelope): Promise<void> {
  const endpoints = await em.find(WebhookEndpoint, { deletedAt: null, active: true, eventTypes: { $contains: [event.type] } });
  if (endpoints.length === 0) return;
  const payload = webhookBody(event);
  const data = event.data as { orderId?: unknown };
  const orderId = typeof data?.orderId === 'string' ? data.orderId : null;
  const now = new Date();
  for (const endpoint of endpoints) {
    const notification = Object.assign(new Notification(), {
      channel: 'WEBHOOK' as const,
      template: event.type,
      recipient: endpoint.url,
      orderId,
      eventId: event.id,
      payload: JSON.parse(payload) as unknown,
      nextAttemptAt: now,
      createdAt: now,
      updatedAt: now,
    });
    // Registration refuses a URL that is already live, but two admins registering it at once could
    // both succeed: the second delivery then goes without a record rather than failing the event.
    const inserted = await em
      .createQueryBuilder(Notification)
      .insert({ ...notification })
      .onConflict(['eventId', 'template', 'recipient'])
      .ignore()
      .execute('run');
    const delivery = Object.assign(new WebhookDelivery(), {
      endpointId: endpoint.id,
      notificationId: inserted.affectedRows > 0 ? notification.id : null,
      eventId: event.id,
      eventType: event.type,
      payload,
      nextAttemptAt: now,
      createdAt: now,
      updatedAt: now,
    });
    await em.createQueryBuilder(WebhookDelivery).insert({ ...delivery }).onConflict(['endpointId', 'eventId']).ignore().execute('run');
  }
}
