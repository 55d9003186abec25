import { randomUUID } from 'node:crypto';
import { EntitySchema } from '@mikro-orm/core';

export class Product {
  id: string = randomUUID();
  sku!: string;
  name!: string;
  description = '';
  /** Integer cents. */
  priceCents!: number;
  /** Units on hand. */
  stockQuantity = 0;
  /** Units held by reservations of orders not yet paid. */
  reserved = 0;
  active = true;
  createdAt: Date = new Date();
  updatedAt: Date = new Date();
}

/** Units that can still be reserved. */
export const availableUnits = (p: Product): number => p.stockQuantity - p.reserved;

export const ProductSchema = new EntitySchema<Product>({
  class: Product,
  tableName: 'products',
  // The database itself refuses negative stock or more reserved than on hand.
  checks: [
    { name: 'products_stock_non_negative', expression: 'stock_quantity >= 0' },
    { name: 'products_reserved_within_stock', expression: 'reserved >= 0 and reserved <= stock_quantity' },
    { name: 'products_price_non_negative', expression: 'price_cents >= 0' },
  ],
  properties: {
    id: { type: 'uuid', primary: true },
    sku: { type: 'string', length: 64, unique: true },
    name: { type: 'string', length: 200, index: true },
    description: { type: 'text' },
    priceCents: { type: 'integer' },
    stockQuantity: { type: 'integer' },
    reserved: { type: 'integer' },
    active: { type: 'boolean' },
    createdAt: { type: 'datetime', columnType: 'timestamptz' },
    updatedAt: { type: 'datetime', columnType: 'timestamptz', onUpdate: () => new Date() },
  },
});
