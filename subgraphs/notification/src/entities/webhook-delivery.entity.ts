import { randomUUID } from 'node:crypto';
import { EntitySchema } from '@mikro-orm/core';
import { DELIVERY_STATUSES, type DeliveryStatus } from './notification.entity.js';

/** One event on its way to one endpoint, retried with backoff until it is SENT or FAILED. */
export class WebhookDelivery {
  id: string = randomUUID();
  endpointId!: string;
  /** The WEBHOOK notification this delivery carries, when there is one. */
  notificationId: string | null = null;
  /** Also the `webhook-id` header: the same on every attempt and redelivery, so receivers can de-duplicate. */
  eventId!: string;
  eventType!: string;
  /** The exact JSON body, so every attempt sends (and signs) the same bytes. */
  payload!: string;
  status: DeliveryStatus = 'PENDING';
  /** Every attempt ever made; numbers the attempt records. */
  attempts = 0;
  /** Attempts since the delivery was queued or last redelivered: where it stands on the retry schedule. */
  cycleAttempts = 0;
  lastError: string | null = null;
  /** The HTTP status the endpoint answered last; null when it never answered (timeout, DNS…). */
  lastStatusCode: number | null = null;
  /** When the next attempt is due (or the in-flight attempt's lease ends); null once SENT or FAILED. */
  nextAttemptAt: Date | null = null;
  sentAt: Date | null = null;
  createdAt: Date = new Date();
  updatedAt: Date = new Date();
}

export const WebhookDeliverySchema = new EntitySchema<WebhookDelivery>({
  class: WebhookDelivery,
  tableName: 'webhook_deliveries',
  // A redelivered event must never queue a second delivery to the same endpoint.
  uniques: [{ name: 'webhook_deliveries_endpoint_event_unique', properties: ['endpointId', 'eventId'] }],
  indexes: [
    { name: 'webhook_deliveries_due_index', properties: ['status', 'nextAttemptAt'] },
    { name: 'webhook_deliveries_created_index', properties: ['createdAt', 'id'] },
  ],
  properties: {
    id: { type: 'uuid', primary: true },
    endpointId: { type: 'uuid' },
    notificationId: { type: 'uuid', nullable: true },
    eventId: { type: 'uuid' },
    eventType: { type: 'string', length: 100 },
    payload: { type: 'text' },
    status: { enum: true, items: () => [...DELIVERY_STATUSES] },
    attempts: { type: 'integer' },
    cycleAttempts: { type: 'integer' },
    lastError: { type: 'text', nullable: true },
    lastStatusCode: { type: 'integer', nullable: true },
    nextAttemptAt: { type: 'datetime', columnType: 'timestamptz', nullable: true },
    sentAt: { type: 'datetime', columnType: 'timestamptz', nullable: true },
    // Millisecond precision, as a JS Date holds: a pagination cursor then names the exact stored value.
    createdAt: { type: 'datetime', columnType: 'timestamptz(3)' },
    updatedAt: { type: 'datetime', columnType: 'timestamptz', onUpdate: () => new Date() },
  },
});
