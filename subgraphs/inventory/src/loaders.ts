import type DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import { loaderById, loaderGroupedBy, type LoaderOptions } from '../../../lib/dataloader.js';
import type { StockMovement } from './entities/stock-movement.entity.js';
import { findProductsByIds } from './services/product.service.js';
import { findRecentMovements } from './services/stock-movement.service.js';

/** Per-request loaders: every product reference in one GraphQL request costs one SELECT. */
export function createLoaders(em: EntityManager, opts: LoaderOptions) {
  // `Product.stockMovements(first)` may be asked with different sizes in one request: one loader per size.
  const movements = new Map<number, DataLoader<string, StockMovement[]>>();
  return {
    product: loaderById((ids) => findProductsByIds(em, ids), (p) => p.id, opts),
    stockMovements(first: number): DataLoader<string, StockMovement[]> {
      let loader = movements.get(first);
      if (!loader) {
        loader = loaderGroupedBy((ids) => findRecentMovements(em, ids, first), (m) => m.productId, opts);
        movements.set(first, loader);
      }
      return loader;
    },
  };
}
export type InventoryLoaders = ReturnType<typeof createLoaders>;
