import { randomUUID } from 'node:crypto';
import { EntitySchema } from '@mikro-orm/core';

export const PAYMENT_STATUSES = ['PENDING', 'AUTHORIZED', 'CAPTURED', 'FAILED', 'REFUNDED', 'PARTIALLY_REFUNDED'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** The charge for one order; its history is in `PaymentTransaction`, its refunds in `Refund`. */
export class Payment {
  id: string = randomUUID();
  orderId!: string;
  /** The owner: who may see this payment. */
  customerId!: string;
  /** Integer cents. */
  amountCents!: number;
  status: PaymentStatus = 'PENDING';
  /** Why the charge failed, e.g. PAYMENT_DECLINED or INSUFFICIENT_FUNDS. */
  failureCode: string | null = null;
  /** Charge attempts made against the card processor. */
  attempts = 0;
  paymentMethodId: string | null = null;
  processedAt: Date | null = null;
  /** Integer cents refunded so far: the sum of this payment's refunds. */
  refundedCents = 0;
  createdAt: Date = new Date();
  updatedAt: Date = new Date();
}

export const PaymentSchema = new EntitySchema<Payment>({
  class: Payment,
  tableName: 'payments',
  // The database itself refuses a negative charge, or refunds beyond what was charged.
  checks: [
    { name: 'payments_amount_non_negative', expression: 'amount_cents >= 0' },
    { name: 'payments_refunded_within_amount', expression: 'refunded_cents >= 0 and refunded_cents <= amount_cents' },
    { name: 'payments_attempts_non_negative', expression: 'attempts >= 0' },
  ],
  properties: {
    id: { type: 'uuid', primary: true },
    // Unique: a redelivered payment request can never charge an order twice.
    orderId: { type: 'uuid', unique: true },
    customerId: { type: 'uuid', index: true },
    amountCents: { type: 'integer' },
    // MikroORM's own enum check, so the migration generator reads back what it wrote.
    status: { enum: true, items: [...PAYMENT_STATUSES] },
    failureCode: { type: 'string', length: 64, nullable: true },
    attempts: { type: 'integer' },
    paymentMethodId: { type: 'uuid', nullable: true },
    processedAt: { type: 'datetime', columnType: 'timestamptz', nullable: true },
    refundedCents: { type: 'integer' },
    createdAt: { type: 'datetime', columnType: 'timestamptz' },
    updatedAt: { type: 'datetime', columnType: 'timestamptz', onUpdate: () => new Date() },
  },
});
