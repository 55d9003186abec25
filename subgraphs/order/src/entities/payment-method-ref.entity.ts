import { EntitySchema } from '@mikro-orm/core';

/**
 * Which cards each customer may pay with, learned from the payment service's events: enough to
 * refuse an order with someone else's card at once, without calling the payment service.
 */
export class PaymentMethodRef {
  id!: string;
  customerId!: string;
  removed = false;
}

export const PaymentMethodRefSchema = new EntitySchema<PaymentMethodRef>({
  class: PaymentMethodRef,
  tableName: 'payment_method_refs',
  properties: {
    id: { type: 'uuid', primary: true },
    customerId: { type: 'uuid', index: true },
    removed: { type: 'boolean' },
  },
});
