import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import { canSee, requireIdentity } from '../../../../lib/auth/identity.js';
import { forbidden } from '../../../../lib/errors.js';
import { DateTimeScalar } from '../../../../lib/graphql/scalars.js';
import { referenceId } from '../../../../lib/ids.js';
import { money } from '../../../../lib/money.js';
import type { SubgraphContext } from '../../../../lib/subgraph/subgraph-server.js';
import type { Payment } from '../entities/payment.entity.js';
import type { Refund } from '../entities/refund.entity.js';
import type { PaymentLoaders } from '../loaders.js';
import type { CardProcessor } from '../processor/card-processor.js';
import { mutationResolvers } from './mutation.resolvers.js';

type Ctx = SubgraphContext<PaymentLoaders>;
type Ref = { id: string };

const refId = (ref: Ref): string | null => referenceId(ref.id);

/** Another customer's payment or card reads as absent, so ids cannot be probed for existence. */
const ifVisible = <T extends { customerId: string }>(row: T | null, ctx: Ctx): T | null =>
  row && canSee(ctx.identity, row.customerId) ? row : null;

const reference = (ref: Ref): Ref | null => {
  const id = refId(ref);
  return id ? { id } : null;
};

/** The payment subgraph's resolvers; mutations charge and refund through `processor`. */
export const createResolvers = (processor: CardProcessor): GraphQLResolverMap<Ctx> => ({
  DateTime: DateTimeScalar,
  Mutation: mutationResolvers(processor),
  Order: {
    __resolveReference: reference,
    // The order subgraph authorizes the order; this one still checks the payment's own owner.
    payment: async (order: Ref, _: unknown, ctx: Ctx) => ifVisible(await ctx.loaders.paymentByOrderId.load(order.id), ctx),
  },
  Customer: {
    __resolveReference: reference,
    paymentMethods: (customer: Ref, _: unknown, ctx: Ctx) => {
      if (!canSee(requireIdentity(ctx.identity), customer.id)) throw forbidden();
      return ctx.loaders.activePaymentMethodsByCustomerId.load(customer.id);
    },
  },
  Payment: {
    __resolveReference: async (ref: Ref, ctx: Ctx) => {
      const id = refId(ref);
      return id ? ifVisible(await ctx.loaders.payment.load(id), ctx) : null;
    },
    amount: (p: Payment) => money(p.amountCents),
    refundedAmount: (p: Payment) => money(p.refundedCents),
    // Every path to a Payment checked its owner; the card it was charged to is that owner's.
    method: (p: Payment, _: unknown, ctx: Ctx) => (p.paymentMethodId ? ctx.loaders.paymentMethod.load(p.paymentMethodId) : null),
    refunds: (p: Payment, _: unknown, ctx: Ctx) => ctx.loaders.refundsByPaymentId.load(p.id),
  },
  Refund: {
    amount: (r: Refund) => money(r.amountCents),
  },
  PaymentMethod: {
    __resolveReference: async (ref: Ref, ctx: Ctx) => {
      const id = refId(ref);
      return id ? ifVisible(await ctx.loaders.paymentMethod.load(id), ctx) : null;
    },
  },
}) as GraphQLResolverMap<Ctx>;
