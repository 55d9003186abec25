import { EntitySchema } from '@mikro-orm/core';

/**
 * The order service's own copy of each product's price and availability, kept current by
 * inventory's product events, so placing an order never waits on the inventory service.
 */
export class ProductPrice {
  productId!: string;
  sku!: string;
  name!: string;
  priceCents!: number;
  active!: boolean;
  /** When inventory emitted the event this row reflects: older events never overwrite newer ones. */
  sourceAt!: Date;
}

export const ProductPriceSchema = new EntitySchema<ProductPrice>({
  class: ProductPrice,
  tableName: 'product_prices',
  properties: {
    productId: { type: 'uuid', primary: true },
    sku: { type: 'string', length: 64 },
    name: { type: 'string', length: 200 },
    priceCents: { type: 'integer' },
    active: { type: 'boolean' },
    sourceAt: { type: 'datetime', columnType: 'timestamptz(3)' },
  },
});
