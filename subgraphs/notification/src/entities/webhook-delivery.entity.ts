import { randomUUID } from 'node:crypto';
import { EntitySchema } from '@mikro-orm/core';
import { DELIVERY_STATUSES, type DeliveryStatus } from './notification.entity.js';

/** One event on its way to one endpoint, retried with backoff until it is SENT or FAILED. */
export class WebhookDelivery {
  id: string = randomUUID();
  endpointId!: string;
  /** The WEBHOOK notification this delivery carries, when there is one. */
  notificationId: string | null = null;
  eventId!: string;
  eventType!: string;
  status: DeliveryStatus = 'PENDING';
  attempts = 0;
  lastError: string | null = null;
  /** The HTTP status the endpoint answered last; null when it never answered (timeout, DNS…). */
  lastStatusCode: number | null = null;
  nextAttemptAt: Date | null = null;
  createdAt: Date = new Date();
  updatedAt: Date = new Date();
}

export const WebhookDeliverySchema = new EntitySchema<WebhookDelivery>({
  class: WebhookDelivery,
  tableName: 'webhook_deliveries',
  properties: {
    id: { type: 'uuid', primary: true },
    endpointId: { type: 'uuid', index: true },
    notificationId: { type: 'uuid', nullable: true },
    eventId: { type: 'uuid' },
    eventType: { type: 'string', length: 100 },
    status: { enum: true, items: () => [...DELIVERY_STATUSES] },
    attempts: { type: 'integer' },
    lastError: { type: 'text', nullable: true },
    lastStatusCode: { type: 'integer', nullable: true },
    nextAttemptAt: { type: 'datetime', columnType: 'timestamptz', nullable: true },
    createdAt: { type: 'datetime', columnType: 'timestamptz' },
    updatedAt: { type: 'datetime', columnType: 'timestamptz', onUpdate: () => new Date() },
  },
});
