import { runSql, writeSql, type SqlTarget } from '../../../../lib/db/sql.js';
import type { CatalogProduct } from '../entities/catalog-product.entity.js';

/** Keeps the newest name of a product; events of one product may arrive out of order. */
export async function rememberProduct(em: SqlTarget, p: { productId: string; sku: string; name: string }, sourceAt: Date): Promise<void> {
  await writeSql(em, {
    sql: `insert into catalog_products (product_id, sku, name, source_at) values (?, ?, ?, ?)
          on conflict (product_id) do update set sku = excluded.sku, name = excluded.name, source_at = excluded.source_at
          where catalog_products.source_at <= excluded.source_at`,
    params: [p.productId, p.sku, p.name, sourceAt],
  });
}

/**
 * The names of the products among `ids` this service has heard of, by id. Read with SQL: every
 * order email asks, and only these two columns.
 */
export async function findCatalogProducts(em: SqlTarget, ids: readonly string[]): Promise<Map<string, Pick<CatalogProduct, 'sku' | 'name'>>> {
  if (ids.length === 0) return new Map();
  const rows = await runSql<{ product_id: string; sku: string; name: string }>(
    em,
    'select product_id, sku, name from catalog_products where product_id = any(array[?]::uuid[])',
    [[...new Set(ids)]],
  );
  return new Map(rows.map((p) => [p.product_id, { sku: p.sku, name: p.name }]));
}
