import type { EntityManager } from '@mikro-orm/postgresql';
import { loaderById, type LoaderOptions } from '../../../lib/dataloader.js';
import { findProductsByIds } from './services/product.service.js';

/** Per-request loaders: every product reference in one GraphQL request costs one SELECT. */
export function createLoaders(em: EntityManager, opts: LoaderOptions) {
  return {
    product: loaderById((ids) => findProductsByIds(em, ids), (p) => p.id, opts),
  };
}
export type InventoryLoaders = ReturnType<typeof createLoaders>;
