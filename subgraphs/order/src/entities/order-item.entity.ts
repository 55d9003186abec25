import { randomUUID } from 'node:crypto';
import { EntitySchema } from '@mikro-orm/core';
import { Order } from './order.entity.js';

export class OrderItem {
  id: string = randomUUID();
  orderId!: string;
  /** A product of the inventory subgraph: a reference, not a foreign key (another database). */
  productId!: string;
  quantity!: number;
  /** The unit price when the order was placed; later price changes do not touch it. */
  unitPriceCents!: number;
  /** The line's position in the order, so items read back in the order they were placed. */
  position!: number;
}

export const OrderItemSchema = new EntitySchema<OrderItem>({
  class: OrderItem,
  tableName: 'order_items',
  checks: [
    { name: 'order_items_quantity_positive', expression: 'quantity >= 1' },
    { name: 'order_items_price_non_negative', expression: 'unit_price_cents >= 0' },
  ],
  properties: {
    id: { type: 'uuid', primary: true },
    orderId: { kind: 'm:1', entity: () => Order, mapToPk: true, fieldName: 'order_id', deleteRule: 'cascade', index: true },
    productId: { type: 'uuid' },
    quantity: { type: 'integer' },
    unitPriceCents: { type: 'integer' },
    position: { type: 'integer' },
  },
});
