import { randomUUID } from 'node:crypto';
import { EntitySchema } from '@mikro-orm/core';

/**
 * A stored card. Only what the processor hands back after tokenizing is kept: never the card
 * number or the CVC, so this table is out of PCI scope.
 */
export class PaymentMethod {
  id: string = randomUUID();
  /** The owner: who may see and charge this method. */
  customerId!: string;
  /** The processor's token for the card; the only way to charge it. Never exposed through GraphQL. */
  token!: string;
  brand!: string;
  last4!: string;
  expMonth!: number;
  expYear!: number;
  createdAt: Date = new Date();
  /** Removal is soft, so past payments still show the card they were charged to. */
  removedAt: Date | null = null;
}

export const PaymentMethodSchema = new EntitySchema<PaymentMethod>({
  class: PaymentMethod,
  tableName: 'payment_methods',
  checks: [
    { name: 'payment_methods_last4_digits', expression: "last4 ~ '^[0-9]{4}$'" },
    { name: 'payment_methods_exp_month_valid', expression: 'exp_month >= 1 and exp_month <= 12' },
  ],
  properties: {
    id: { type: 'uuid', primary: true },
    customerId: { type: 'uuid', index: true },
    token: { type: 'string', length: 255 },
    brand: { type: 'string', length: 32 },
    last4: { type: 'string', columnType: 'char(4)' },
    expMonth: { type: 'integer' },
    expYear: { type: 'integer' },
    createdAt: { type: 'datetime', columnType: 'timestamptz' },
    removedAt: { type: 'datetime', columnType: 'timestamptz', nullable: true },
  },
});
