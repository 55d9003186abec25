import { randomUUID } from 'node:crypto';
import { EntitySchema } from '@mikro-orm/core';

/** What moved stock: an order's saga step, an admin's adjustment, or the product's creation. */
export const MOVEMENT_KINDS = ['RESERVE', 'RELEASE', 'COMMIT', 'RESTOCK', 'ADJUST', 'CREATE'] as const;
export type MovementKind = (typeof MOVEMENT_KINDS)[number];

/**
 * One change of a product's stock on hand or reserved: the audit trail. Rows are only ever
 * inserted, so for a product made by the catalog service (which writes its CREATE row) the sums of
 * the deltas are its `stockQuantity` and `reserved`.
 */
export class StockMovement {
  id: string = randomUUID();
  productId!: string;
  kind!: MovementKind;
  /** Change of units on hand. */
  quantityDelta = 0;
  /** Change of units reserved. */
  reservedDelta = 0;
  reason: string | null = null;
  orderId: string | null = null;
  /** Set by the database on insert. */
  createdAt!: Date;
}

export const StockMovementSchema = new EntitySchema<StockMovement>({
  class: StockMovement,
  tableName: 'stock_movements',
  // `Product.stockMovements` reads a product's newest rows first; `id` breaks ties within one instant.
  indexes: [{ name: 'stock_movements_product_created_index', properties: ['productId', 'createdAt', 'id'] }],
  properties: {
    id: { type: 'uuid', primary: true },
    productId: { type: 'uuid' },
    kind: { enum: true, items: [...MOVEMENT_KINDS] },
    quantityDelta: { type: 'integer' },
    reservedDelta: { type: 'integer' },
    reason: { type: 'text', nullable: true },
    orderId: { type: 'uuid', nullable: true },
    // `clock_timestamp()`, not the app's clock: microseconds, read per row, so movements sort in
    // the order they happened even when several fall in one millisecond (a reserve, then its commit).
    createdAt: { type: 'datetime', columnType: 'timestamptz', defaultRaw: 'clock_timestamp()' },
  },
});
