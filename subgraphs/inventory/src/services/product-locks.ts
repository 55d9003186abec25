import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Product } from '../entities/product.entity.js';

/**
 * Locks the products with these ids (`select … for update`) and returns them by id, freshly read.
 * Rows are locked in id order, so two transactions that share products always queue for them in
 * the same order and never deadlock. Needs an open transaction: MikroORM refuses a lock without one.
 */
export async function lockProducts(em: EntityManager, ids: Iterable<string>): Promise<Map<string, Product>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = await em.find(
    Product,
    { id: { $in: unique } },
    // `refresh`: a product this EntityManager already holds may be stale; the locked row is not.
    { lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { id: 'asc' }, refresh: true },
  );
  return new Map(rows.map((p) => [p.id, p]));
}
