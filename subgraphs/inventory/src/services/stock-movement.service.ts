import type { EntityManager } from '@mikro-orm/postgresql';
import { mapRows } from '../../../../lib/db/read-rows.js';
import { StockMovement, type MovementKind } from '../entities/stock-movement.entity.js';

export interface MovementInput {
  productId: string;
  kind: MovementKind;
  quantityDelta?: number;
  reservedDelta?: number;
  reason?: string | null;
  orderId?: string | null;
}

/** Adds an audit row to `em`'s unit of work; it commits with the stock change it describes. */
export function recordMovement(em: EntityManager, input: MovementInput): StockMovement {
  const movement = Object.assign(new StockMovement(), {
    productId: input.productId,
    kind: input.kind,
    quantityDelta: input.quantityDelta ?? 0,
    reservedDelta: input.reservedDelta ?? 0,
    reason: input.reason ?? null,
    orderId: input.orderId ?? null,
  });
  em.persist(movement);
  return movement;
}

/**
 * The newest `first` movements of each product, newest first, in one statement: a lateral join
 * walks the (product_id, created_at, id) index backwards per product and stops after `first` rows,
 * however long a product's history is.
 */
export async function findRecentMovements(
  em: EntityManager,
  productIds: readonly string[],
  first: number,
): Promise<StockMovement[]> {
  if (productIds.length === 0 || first === 0) return [];
  const rows = await em.execute<Record<string, unknown>[]>(
    `select m.* from unnest(array[?]::uuid[]) with ordinality as p(id, position)
     cross join lateral (
       select * from stock_movements s where s.product_id = p.id order by s.created_at desc, s.id desc limit ?
     ) m
     order by p.position, m.created_at desc, m.id desc`,
    [[...productIds], first],
  );
  return mapRows(em, StockMovement, rows);
}
