import { randomUUID } from 'node:crypto';
import { EntitySchema } from '@mikro-orm/core';

export const NOTIFICATION_CHANNELS = ['EMAIL', 'WEBHOOK'] as const;
export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];

export const DELIVERY_STATUSES = ['PENDING', 'SENT', 'FAILED'] as const;
/** Shared by notifications and webhook deliveries: both are messages on their way out. */
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** A message the system sent or is sending: an email to a customer, or a webhook to an endpoint. */
export class Notification {
  id: string = randomUUID();
  channel!: NotificationChannel;
  /** Which message this is, e.g. `order-receipt`; the sender renders it. */
  template!: string;
  /** An email address, or the URL of a webhook endpoint. */
  recipient!: string;
  subject: string | null = null;
  /**
   * The customer this message is addressed to, and so the one customer who may see it.
   * Null for webhooks: they go to admin-registered endpoints, which customers must not learn of.
   */
  customerId: string | null = null;
  orderId: string | null = null;
  /** The domain event that caused this message; with template and recipient it makes the message unique. */
  eventId: string | null = null;
  status: DeliveryStatus = 'PENDING';
  attempts = 0;
  lastError: string | null = null;
  /** What was sent: an email's rendered `{ html, text }`, or the webhook's JSON body. */
  payload: unknown = null;
  /**
   * When the dispatcher may next try to send it; null once it is SENT or FAILED. While a send is in
   * flight it holds the claim's lease, so another replica takes the row over only if this one died.
   */
  nextAttemptAt: Date | null = null;
  sentAt: Date | null = null;
  createdAt: Date = new Date();
  updatedAt: Date = new Date();
}

export const NotificationSchema = new EntitySchema<Notification>({
  class: Notification,
  tableName: 'notifications',
  // A redelivered event must never send the same message twice.
  uniques: [{ name: 'notifications_event_template_recipient_unique', properties: ['eventId', 'template', 'recipient'] }],
  // Serve the list fields in index order: a customer's newest, an order's oldest, everyone's newest.
  indexes: [
    { name: 'notifications_customer_created_index', properties: ['customerId', 'createdAt', 'id'] },
    { name: 'notifications_order_created_index', properties: ['orderId', 'createdAt', 'id'] },
    { name: 'notifications_created_index', properties: ['createdAt', 'id'] },
    // The dispatcher's claim: due PENDING rows, soonest first.
    { name: 'notifications_due_index', properties: ['status', 'nextAttemptAt'] },
  ],
  properties: {
    id: { type: 'uuid', primary: true },
    channel: { enum: true, items: () => [...NOTIFICATION_CHANNELS] },
    template: { type: 'string', length: 100 },
    recipient: { type: 'string', length: 2048 },
    subject: { type: 'string', length: 500, nullable: true },
    customerId: { type: 'uuid', nullable: true },
    orderId: { type: 'uuid', nullable: true },
    eventId: { type: 'uuid', nullable: true },
    status: { enum: true, items: () => [...DELIVERY_STATUSES] },
    attempts: { type: 'integer' },
    lastError: { type: 'text', nullable: true },
    payload: { type: 'json', nullable: true },
    nextAttemptAt: { type: 'datetime', columnType: 'timestamptz', nullable: true },
    sentAt: { type: 'datetime', columnType: 'timestamptz', nullable: true },
    // Millisecond precision, as a JS Date holds: a pagination cursor then names the exact stored value.
    createdAt: { type: 'datetime', columnType: 'timestamptz(3)' },
    updatedAt: { type: 'datetime', columnType: 'timestamptz', onUpdate: () => new Date() },
  },
});
