import { requireAdmin } from '../../../../lib/auth/identity.js';
import { parseId } from '../../../../lib/ids.js';
import type { SubgraphContext } from '../../../../lib/subgraph/subgraph-server.js';
import type { InventoryLoaders } from '../loaders.js';
import {
  adjustStock,
  createProduct,
  updateProduct,
  type NewProductInput,
  type ProductChangesInput,
} from '../services/catalog.service.js';

type Ctx = SubgraphContext<InventoryLoaders>;

/** Admin mutations of the catalog; the request id becomes the correlation id of the events they cause. */
export const catalogMutations = {
  createProduct: (_: unknown, args: { input: NewProductInput }, ctx: Ctx) => {
    requireAdmin(ctx.identity);
    return createProduct(ctx.em, args.input, { requestId: ctx.requestId });
  },
  updateProduct: (_: unknown, args: { id: string; input: ProductChangesInput }, ctx: Ctx) => {
    requireAdmin(ctx.identity);
    return updateProduct(ctx.em, parseId(args.id), args.input, { requestId: ctx.requestId });
  },
  adjustStock: (_: unknown, args: { productId: string; delta: number; reason: string }, ctx: Ctx) => {
    requireAdmin(ctx.identity);
    return adjustStock(ctx.em, parseId(args.productId, 'productId'), args.delta, args.reason);
  },
};
