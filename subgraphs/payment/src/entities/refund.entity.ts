import { randomUUID } from 'node:crypto';
import { EntitySchema } from '@mikro-orm/core';

/** Money returned to the customer against one payment; a payment may be refunded in parts. */
export class Refund {
  id: string = randomUUID();
  paymentId!: string;
  /** Integer cents. */
  amountCents!: number;
  reason: string | null = null;
  createdAt: Date = new Date();
}

export const RefundSchema = new EntitySchema<Refund>({
  class: Refund,
  tableName: 'refunds',
  checks: [{ name: 'refunds_amount_positive', expression: 'amount_cents > 0' }],
  properties: {
    id: { type: 'uuid', primary: true },
    paymentId: { type: 'uuid', index: true },
    amountCents: { type: 'integer' },
    reason: { type: 'text', nullable: true },
    createdAt: { type: 'datetime', columnType: 'timestamptz' },
  },
});
