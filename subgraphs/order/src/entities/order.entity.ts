import { randomUUID } from 'node:crypto';
import { EntitySchema } from '@mikro-orm/core';
import { Customer } from './customer.entity.js';
import { ORDER_STATUSES, OrderStatus } from './order-status.js';

export class Order {
  id: string = randomUUID();
  customerId!: string;
  status: OrderStatus = OrderStatus.PENDING;
  failureReason: string | null = null;
  /** Integer cents: the sum of the lines at the prices of the moment the order was placed. */
  totalCents!: number;
  trackingNumber: string | null = null;
  placedAt: Date = new Date();
  updatedAt: Date = new Date();
}

export const OrderSchema = new EntitySchema<Order>({
  class: Order,
  tableName: 'orders',
  checks: [
    { name: 'orders_total_non_negative', expression: 'total_cents >= 0' },
  ],
  indexes: [{ name: 'orders_customer_placed_index', properties: ['customerId', 'placedAt', 'id'] }, { name: 'orders_placed_index', properties: ['placedAt', 'id'] }],
  properties: {
    id: { type: 'uuid', primary: true },
    customerId: { kind: 'm:1', entity: () => Customer, mapToPk: true, fieldName: 'customer_id', deleteRule: 'restrict' },
    status: { enum: true, items: ORDER_STATUSES },
    failureReason: { type: 'string', length: 200, nullable: true },
    totalCents: { type: 'integer' },
    trackingNumber: { type: 'string', length: 100, nullable: true },
    placedAt: { type: 'datetime', columnType: 'timestamptz' },
    updatedAt: { type: 'datetime', columnType: 'timestamptz', onUpdate: () => new Date() },
  },
});
