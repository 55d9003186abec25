import { z } from 'zod';
import { cents, failureReason, orderLine, orderStatus, uuid } from './common.js';
import { defineEvent } from './define.js';

const customerRef = { orderId: uuid, customerId: uuid, customerEmail: z.string().email(), customerName: z.string() };

export const orderPlaced = defineEvent({
  type: 'order.placed',
  description: 'A customer placed an order; it is PENDING until stock is reserved.',
  producer: 'order',
  consumers: ['inventory', 'notification'],
  schema: z.object({ ...customerRef, lines: z.array(orderLine).min(1), totalCents: cents, paymentMethodId: uuid }),
});

export const orderPaymentRequested = defineEvent({
  type: 'order.payment_requested',
  description: 'Stock is reserved; the order asks payment to charge the card.',
  producer: 'order',
  consumers: ['payment'],
  schema: z.object({ orderId: uuid, customerId: uuid, amountCents: cents, paymentMethodId: uuid }),
});

export const orderPaid = defineEvent({
  type: 'order.paid',
  description: 'The charge succeeded; reserved stock is committed and a receipt sent.',
  producer: 'order',
  consumers: ['inventory', 'notification'],
  schema: z.object({ ...customerRef, lines: z.array(orderLine), totalCents: cents, paymentId: uuid }),
});

export const orderFailed = defineEvent({
  type: 'order.failed',
  description: 'The order cannot complete; reserved stock is released and a captured charge refunded.',
  producer: 'order',
  consumers: ['inventory', 'payment', 'notification'],
  schema: z.object({ ...customerRef, reason: failureReason, lines: z.array(orderLine), totalCents: cents }),
});

export const orderCancelled = defineEvent({
  type: 'order.cancelled',
  description: 'The order was cancelled before shipping; stock is released or restocked and a capture refunded.',
  producer: 'order',
  consumers: ['inventory', 'payment', 'notification'],
  schema: z.object({
    ...customerRef,
    reason: z.string().nullable(),
    previousStatus: orderStatus,
    lines: z.array(orderLine),
    totalCents: cents,
  }),
});

export const orderShipped = defineEvent({
  type: 'order.shipped',
  description: 'An admin shipped a PAID order.',
  producer: 'order',
  consumers: ['notification'],
  schema: z.object({ ...customerRef, trackingNumber: z.string().min(1), lines: z.array(orderLine), totalCents: cents }),
});

export const orderDelivered = defineEvent({
  type: 'order.delivered',
  description: 'A shipped order arrived.',
  producer: 'order',
  consumers: ['notification'],
  schema: z.object({ ...customerRef }),
});

export const orderStatusChanged = defineEvent({
  type: 'order.status_changed',
  description: 'Any transition of an order, with a per-order sequence number: what live subscriptions follow.',
  producer: 'order',
  consumers: ['gateway'],
  schema: z.object({
    orderId: uuid,
    customerId: uuid,
    status: orderStatus,
    previousStatus: orderStatus.nullable(),
    reason: z.string().nullable(),
    /** 1 for PENDING, then +1 per transition: subscribers drop anything not newer than what they sent. */
    sequence: z.number().int().positive(),
  }),
});
