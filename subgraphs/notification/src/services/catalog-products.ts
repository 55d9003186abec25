import type { EntityManager } from '@mikro-orm/postgresql';
import { CatalogProduct } from '../entities/catalog-product.entity.js';

/** Keeps the newest name of a product; events of one product may arrive out of order. */
export async function rememberProduct(em: EntityManager, p: { productId: string; sku: string; name: string }, sourceAt: Date): Promise<void> {
  await em.getConnection().execute(
    `insert into catalog_products (product_id, sku, name, source_at) values (?, ?, ?, ?)
     on conflict (product_id) do update set sku = excluded.sku, name = excluded.name, source_at = excluded.source_at
     where catalog_products.source_at <= excluded.source_at`,
    [p.productId, p.sku, p.name, sourceAt],
    'run',
    em.getTransactionContext(),
  );
}

/** The products among `ids` this service has heard of, by id. */
export async function findCatalogProducts(em: EntityManager, ids: readonly string[]): Promise<Map<string, CatalogProduct>> {
  if (ids.length === 0) return new Map();
  const rows = await em.find(CatalogProduct, { productId: { $in: [...new Set(ids)] } });
  return new Map(rows.map((p) => [p.productId, p]));
}
