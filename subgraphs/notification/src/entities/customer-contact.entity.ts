import { EntitySchema } from '@mikro-orm/core';

/**
 * Where to write to a customer, learnt from `customer.registered` and the order events: the refund
 * event names only the customer's id.
 */
export class CustomerContact {
  customerId!: string;
  email!: string;
  name!: string;
  /** When the event this row reflects happened: older events never overwrite newer ones. */
  sourceAt!: Date;
}

export const CustomerContactSchema = new EntitySchema<CustomerContact>({
  class: CustomerContact,
  tableName: 'customer_contacts',
  properties: {
    customerId: { type: 'uuid', primary: true },
    email: { type: 'string', length: 320 },
    name: { type: 'string', length: 200 },
    sourceAt: { type: 'datetime', columnType: 'timestamptz(3)' },
  },
});
