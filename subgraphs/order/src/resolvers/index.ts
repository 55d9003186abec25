import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import { DateTimeScalar } from '../../../../lib/graphql/scalars.js';
import type { TokenSigner } from '../../../../lib/auth/jwt.js';
import type { SubgraphContext } from '../../../../lib/subgraph/subgraph-server.js';
import type { OrderLoaders } from '../loaders.js';
import { customerResolvers } from './customer.resolvers.js';
import { orderResolvers } from './order.resolvers.js';

export type Ctx = SubgraphContext<OrderLoaders>;

/** Resolvers close over what the app builds once (the token signer); per-request state is in `ctx`. */
export function createResolvers(deps: { signToken: TokenSigner }): GraphQLResolverMap<Ctx> {
  const customers = customerResolvers(deps.signToken);
  return {
    DateTime: DateTimeScalar,
    Query: { ...customers.Query, ...orderResolvers.Query },
    Mutation: { ...customers.Mutation, ...orderResolvers.Mutation },
    Customer: customers.Customer,
    Order: orderResolvers.Order,
    OrderItem: orderResolvers.OrderItem,
  } as GraphQLResolverMap<Ctx>;
}
