import { randomUUID } from 'node:crypto';
import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import { Customer } from './customer.entity.js';
import { ORDER_STATUSES, OrderStatus } from './order-status.js';

export class Order {
  declare [OptionalProps]?: 'id' | 'status' | 'failureReason' | 'trackingNumber' | 'statusSequence' | 'placedAt' | 'updatedAt';
  id: string = randomUUID();
  customerId!: string;
  status: OrderStatus = OrderStatus.PENDING;
  failureReason: string | null = null;
  /** Integer cents: the sum of the lines at the prices of the moment the order was placed. */
  totalCents!: number;
  trackingNumber: string | null = null;
  paymentMethodId!: string;
  /** The client's key for `placeOrder`: a retry with the same key returns this order. */
  idempotencyKey!: string;
  /** A hash of the input placed with that key, to tell a retry from a different order reusing the key. */
  requestHash!: string;
  /** 1 when placed, +1 per transition; subscribers use it to drop stale or repeated states. */
  statusSequence = 1;
  placedAt: Date = new Date();
  updatedAt: Date = new Date();
}

export const OrderSchema = new EntitySchema<Order>({
  class: Order,
  tableName: 'orders',
  checks: [
    { name: 'orders_total_non_negative', expression: 'total_cents >= 0' },
  ],
  uniques: [{ name: 'orders_customer_idempotency_key_unique', properties: ['customerId', 'idempotencyKey'] }],
  indexes: [{ name: 'orders_customer_placed_index', properties: ['customerId', 'placedAt', 'id'] }, { name: 'orders_placed_index', properties: ['placedAt', 'id'] }],
  properties: {
    id: { type: 'uuid', primary: true },
    customerId: { kind: 'm:1', entity: () => Customer, mapToPk: true, fieldName: 'customer_id', deleteRule: 'restrict' },
    status: { enum: true, items: ORDER_STATUSES },
    failureReason: { type: 'string', length: 200, nullable: true },
    totalCents: { type: 'integer' },
    trackingNumber: { type: 'string', length: 100, nullable: true },
    paymentMethodId: { type: 'uuid' },
    idempotencyKey: { type: 'string', length: 200 },
    requestHash: { type: 'string', length: 64 },
    statusSequence: { type: 'integer' },
    placedAt: { type: 'datetime', columnType: 'timestamptz' },
    updatedAt: { type: 'datetime', columnType: 'timestamptz', onUpdate: () => new Date() },
  },
});
