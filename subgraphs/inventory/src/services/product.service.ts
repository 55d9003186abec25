import type { EntityManager } from '@mikro-orm/postgresql';
import { findRowsIn, mapRows } from '../../../../lib/db/read-rows.js';
import { runSql } from '../../../../lib/db/sql.js';
import { decodeCursor, pageSize, toConnection, type Connection } from '../../../../lib/pagination.js';
import { Product } from '../entities/product.entity.js';

export interface ProductListArgs {
  first?: number | null;
  after?: string | null;
  search?: string | null;
  inStock?: boolean | null;
}

/**
 * Active products by name then id; keyset pagination so deep pages cost the same as the first.
 * Plain SQL, read into plain rows (lib/db/read-rows.ts): this is the storefront's busiest read, and
 * the query builder and hydration cost more CPU than everything else in it.
 */
export async function listProducts(em: EntityManager, args: ProductListArgs): Promise<Connection<Product>> {
  const first = pageSize(args.first);
  const conditions = ['active'];
  const params: unknown[] = [];
  const search = args.search?.trim();
  if (search) {
    const pattern = `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    conditions.push('(name ilike ? or sku ilike ?)');
    params.push(pattern, pattern);
  }
  if (args.inStock === true) conditions.push('stock_quantity > reserved');
  if (args.inStock === false) conditions.push('stock_quantity <= reserved');
  const filtered = conditions.join(' and ');

  let page = filtered;
  const pageParams = [...params];
  if (args.after) {
    const [name, id] = decodeCursor(args.after, 2) as [string, string];
    page += ' and (name > ? or (name = ? and id > ?))';
    pageParams.push(name, name, id);
  }
  const rows = await runSql(em, `select * from products where ${page} order by name asc, id asc limit ?`, [...pageParams, first + 1]);
  return toConnection(mapRows(em, Product, rows), first, (p) => [p.name, p.id], async () => {
    const counted = await runSql<{ count: number }, 'get'>(em, `select count(*)::int as count from products where ${filtered}`, params, 'get');
    return counted?.count ?? 0;
  });
}

export function findProductsByIds(em: EntityManager, ids: readonly string[]): Promise<Product[]> {
  return findRowsIn(em, Product, 'id', ids);
}
