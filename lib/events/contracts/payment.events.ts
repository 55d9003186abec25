import { z } from 'zod';
import { cents, uuid } from './common.js';
import { defineEvent } from './define.js';

export const paymentSucceeded = defineEvent({
  type: 'payment.succeeded',
  description: "An order's charge was captured.",
  producer: 'payment',
  consumers: ['order'],
  schema: z.object({ orderId: uuid, paymentId: uuid, amountCents: cents, attempts: z.number().int().positive() }),
});

export const paymentFailed = defineEvent({
  type: 'payment.failed',
  description: "An order's charge failed for good.",
  producer: 'payment',
  consumers: ['order'],
  schema: z.object({
    orderId: uuid,
    paymentId: uuid,
    code: z.enum(['PAYMENT_DECLINED', 'INSUFFICIENT_FUNDS', 'PAYMENT_METHOD_INVALID', 'PAYMENT_ERROR']),
    attempts: z.number().int().nonnegative(),
  }),
});

export const paymentRefunded = defineEvent({
  type: 'payment.refunded',
  description: 'Money went back to the customer, in part or in full.',
  producer: 'payment',
  consumers: ['notification'],
  schema: z.object({ orderId: uuid, paymentId: uuid, customerId: uuid, amountCents: cents, refundedTotalCents: cents, reason: z.string().nullable() }),
});

export const paymentMethodAdded = defineEvent({
  type: 'payment.method_added',
  description: 'A customer stored a card; the order service learns which cards each customer may pay with.',
  producer: 'payment',
  consumers: ['order'],
  schema: z.object({ paymentMethodId: uuid, customerId: uuid }),
});

export const paymentMethodRemoved = defineEvent({
  type: 'payment.method_removed',
  description: 'A customer removed a card.',
  producer: 'payment',
  consumers: ['order'],
  schema: z.object({ paymentMethodId: uuid, customerId: uuid }),
});
