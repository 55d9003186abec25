import { randomUUID } from 'node:crypto';
import { EntitySchema } from '@mikro-orm/core';

/** One HTTP request of a webhook delivery, kept so an admin can see why a delivery failed. */
export class WebhookDeliveryAttempt {
  id: string = randomUUID();
  deliveryId!: string;
  /** 1 for the first try. */
  attemptNumber!: number;
  /** Null when the endpoint never answered. */
  statusCode: number | null = null;
  error: string | null = null;
  durationMs!: number;
  createdAt: Date = new Date();
}

export const WebhookDeliveryAttemptSchema = new EntitySchema<WebhookDeliveryAttempt>({
  class: WebhookDeliveryAttempt,
  tableName: 'webhook_delivery_attempts',
  properties: {
    id: { type: 'uuid', primary: true },
    deliveryId: { type: 'uuid', index: true },
    attemptNumber: { type: 'integer' },
    statusCode: { type: 'integer', nullable: true },
    error: { type: 'text', nullable: true },
    durationMs: { type: 'integer' },
    createdAt: { type: 'datetime', columnType: 'timestamptz' },
  },
});
