import { randomUUID } from 'node:crypto';
import { EntitySchema } from '@mikro-orm/core';

/** A URL an admin registered to receive signed deliveries of the event types it subscribes to. */
export class WebhookEndpoint {
  id: string = randomUUID();
  url!: string;
  /** Event types such as `order.paid`; deliveries are made only for these. */
  eventTypes: string[] = [];
  /** Signs every delivery (Standard Webhooks); shown once at registration, never again. */
  secret!: string;
  active = true;
  createdAt: Date = new Date();
  /** Set by deleteWebhook: the row stays so past deliveries keep their endpoint. */
  deletedAt: Date | null = null;
}

export const WebhookEndpointSchema = new EntitySchema<WebhookEndpoint>({
  class: WebhookEndpoint,
  tableName: 'webhook_endpoints',
  properties: {
    id: { type: 'uuid', primary: true },
    url: { type: 'string', length: 2048 },
    eventTypes: { type: 'string[]' },
    secret: { type: 'string', length: 200 },
    active: { type: 'boolean' },
    createdAt: { type: 'datetime', columnType: 'timestamptz' },
    deletedAt: { type: 'datetime', columnType: 'timestamptz', nullable: true },
  },
});
