import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import { requireAdmin } from '../../../../lib/auth/identity.js';
import { parseId, referenceId } from '../../../../lib/ids.js';
import { money } from '../../../../lib/money.js';
import { pageSize } from '../../../../lib/pagination.js';
import { DateTimeScalar } from '../../../../lib/graphql/scalars.js';
import type { SubgraphContext } from '../../../../lib/subgraph/subgraph-server.js';
import { availableUnits, type Product } from '../entities/product.entity.js';
import type { InventoryLoaders } from '../loaders.js';
import { listProducts, type ProductListArgs } from '../services/product.service.js';
import { catalogMutations } from './catalog.resolvers.js';

type Ctx = SubgraphContext<InventoryLoaders>;

export const resolvers: GraphQLResolverMap<Ctx> = {
  DateTime: DateTimeScalar,
  Query: {
    products: (_: unknown, args: ProductListArgs, ctx: Ctx) => listProducts(ctx.em, args),
    product: (_: unknown, args: { id: string }, ctx: Ctx) => ctx.loaders.product.load(parseId(args.id)),
  },
  Mutation: catalogMutations,
  Product: {
    __resolveReference: (ref: { id: string }, ctx: Ctx) => {
      const id = referenceId(ref.id);
      return id ? ctx.loaders.product.load(id) : null;
    },
    price: (p: Product) => money(p.priceCents),
    available: availableUnits,
    inStock: (p: Product) => availableUnits(p) > 0,
    stockMovements: (p: Product, args: { first?: number | null }, ctx: Ctx) => {
      requireAdmin(ctx.identity);
      return ctx.loaders.stockMovements(pageSize(args.first)).load(p.id);
    },
  },
} as GraphQLResolverMap<Ctx>;
