import { randomUUID } from 'node:crypto';
import { EntitySchema } from '@mikro-orm/core';

/**
 * HELD until the order is paid (COMMITTED) or fails (RELEASED); a cancelled paid order puts its
 * units back on hand (RESTOCKED).
 */
export const RESERVATION_STATUSES = ['HELD', 'COMMITTED', 'RELEASED', 'RESTOCKED'] as const;
export type ReservationStatus = (typeof RESERVATION_STATUSES)[number];

/** The units of one product that one order holds. */
export class StockReservation {
  id: string = randomUUID();
  orderId!: string;
  productId!: string;
  quantity!: number;
  status: ReservationStatus = 'HELD';
  createdAt: Date = new Date();
  updatedAt: Date = new Date();
}

export const StockReservationSchema = new EntitySchema<StockReservation>({
  class: StockReservation,
  tableName: 'stock_reservations',
  // One row per order and product: a second reservation of the same order fails here, whatever races.
  uniques: [{ name: 'stock_reservations_order_product_unique', properties: ['orderId', 'productId'] }],
  checks: [{ name: 'stock_reservations_quantity_positive', expression: 'quantity > 0' }],
  properties: {
    id: { type: 'uuid', primary: true },
    orderId: { type: 'uuid' },
    productId: { type: 'uuid' },
    quantity: { type: 'integer' },
    // MikroORM's own enum check, so the migration generator reads back what it wrote.
    status: { enum: true, items: [...RESERVATION_STATUSES] },
    createdAt: { type: 'datetime', columnType: 'timestamptz' },
    updatedAt: { type: 'datetime', columnType: 'timestamptz', onUpdate: () => new Date() },
  },
});
