import type { EventType } from '../../../../lib/events/contracts/index.js';

/**
 * The event types this service consumes, and so the ones a webhook endpoint may subscribe to:
 * each arrives at the notification consumer, which queues it for every subscribed endpoint.
 */
export const WEBHOOK_EVENT_TYPES = [
  'customer.registered',
  'order.placed',
  'order.paid',
  'order.shipped',
  'order.delivered',
  'order.failed',
  'order.cancelled',
  'payment.refunded',
  'inventory.product_created',
  'inventory.product_updated',
] as const satisfies readonly EventType[];
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export function isWebhookEventType(type: string): type is WebhookEventType {
  return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(type);
}
