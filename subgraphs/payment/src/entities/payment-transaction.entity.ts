import { randomUUID } from 'node:crypto';
import { EntitySchema } from '@mikro-orm/core';

/** What happened at the card processor; rows are only ever inserted, so the log is the audit trail. */
export type TransactionKind = 'AUTHORIZE' | 'CAPTURE' | 'DECLINE' | 'REFUND';

export class PaymentTransaction {
  id: string = randomUUID();
  paymentId!: string;
  kind!: TransactionKind;
  /** Integer cents. */
  amountCents!: number;
  /** The processor's id for this operation, when it gave one. */
  processorReference: string | null = null;
  /** The processor's answer in words, e.g. a decline reason. */
  detail: string | null = null;
  createdAt: Date = new Date();
}

export const PaymentTransactionSchema = new EntitySchema<PaymentTransaction>({
  class: PaymentTransaction,
  tableName: 'payment_transactions',
  checks: [{ name: 'payment_transactions_amount_non_negative', expression: 'amount_cents >= 0' }],
  properties: {
    id: { type: 'uuid', primary: true },
    paymentId: { type: 'uuid', index: true },
    // Not constrained in the database: new processor outcomes must not need a migration.
    kind: { type: 'string', length: 32 },
    amountCents: { type: 'integer' },
    processorReference: { type: 'string', length: 255, nullable: true },
    detail: { type: 'text', nullable: true },
    createdAt: { type: 'datetime', columnType: 'timestamptz' },
  },
});
