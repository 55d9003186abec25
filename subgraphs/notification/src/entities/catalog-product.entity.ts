import { EntitySchema } from '@mikro-orm/core';

/**
 * This service's copy of each product's name, kept current by inventory's product events, so an
 * order email can name what was bought: order events carry only product ids and prices.
 */
export class CatalogProduct {
  productId!: string;
  sku!: string;
  name!: string;
  /** When inventory emitted the event this row reflects: older events never overwrite newer ones. */
  sourceAt!: Date;
}

export const CatalogProductSchema = new EntitySchema<CatalogProduct>({
  class: CatalogProduct,
  tableName: 'catalog_products',
  properties: {
    productId: { type: 'uuid', primary: true },
    sku: { type: 'string', length: 64 },
    name: { type: 'string', length: 200 },
    sourceAt: { type: 'datetime', columnType: 'timestamptz(3)' },
  },
});
