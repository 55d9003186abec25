import { randomUUID } from 'node:crypto';
import { EntitySchema } from '@mikro-orm/core';
import { Order } from './order.entity.js';
import { ORDER_STATUSES, type OrderStatus } from './order-status.js';

/** One row per transition of an order: its status history. */
export class OrderStatusChange {
  id: string = randomUUID();
  orderId!: string;
  status!: OrderStatus;
  reason: string | null = null;
  at: Date = new Date();
}

export const OrderStatusChangeSchema = new EntitySchema<OrderStatusChange>({
  class: OrderStatusChange,
  tableName: 'order_status_changes',
  indexes: [{ name: 'order_status_changes_order_at_index', properties: ['orderId', 'at'] }],
  properties: {
    id: { type: 'uuid', primary: true },
    orderId: { kind: 'm:1', entity: () => Order, mapToPk: true, fieldName: 'order_id', deleteRule: 'cascade' },
    status: { enum: true, items: ORDER_STATUSES },
    reason: { type: 'string', length: 200, nullable: true },
    at: { type: 'datetime', columnType: 'timestamptz' },
  },
});
