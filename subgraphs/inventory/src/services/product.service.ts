import type { EntityManager } from '@mikro-orm/postgresql';
import { decodeCursor, pageSize, toConnection, type Connection } from '../../../../lib/pagination.js';
import { Product } from '../entities/product.entity.js';

export interface ProductListArgs {
  first?: number | null;
  after?: string | null;
  search?: string | null;
  inStock?: boolean | null;
}

/** Active products by name then id; keyset pagination so deep pages cost the same as the first. */
export async function listProducts(em: EntityManager, args: ProductListArgs): Promise<Connection<Product>> {
  const first = pageSize(args.first);
  const filtered = () => {
    const qb = em.createQueryBuilder(Product, 'p').where({ active: true });
    const search = args.search?.trim();
    if (search) {
      const pattern = `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      qb.andWhere({ $or: [{ name: { $ilike: pattern } }, { sku: { $ilike: pattern } }] });
    }
    if (args.inStock === true) qb.andWhere('p.stock_quantity > p.reserved');
    if (args.inStock === false) qb.andWhere('p.stock_quantity <= p.reserved');
    return qb;
  };

  const page = filtered();
  if (args.after) {
    const [name, id] = decodeCursor(args.after, 2) as [string, string];
    page.andWhere({ $or: [{ name: { $gt: name } }, { name, id: { $gt: id } }] });
  }
  const rows = await page.orderBy({ name: 'asc', id: 'asc' }).limit(first + 1).getResultList();
  return toConnection(rows, first, (p) => [p.name, p.id], () => filtered().getCount());
}

export function findProductsByIds(em: EntityManager, ids: readonly string[]): Promise<Product[]> {
  return em.find(Product, { id: { $in: [...ids] } });
}
