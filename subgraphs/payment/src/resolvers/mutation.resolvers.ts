import { requireAdmin, requireIdentity } from '../../../../lib/auth/identity.js';
import { parseId } from '../../../../lib/ids.js';
import type { SubgraphContext } from '../../../../lib/subgraph/subgraph-server.js';
import type { PaymentLoaders } from '../loaders.js';
import type { CardProcessor } from '../processor/card-processor.js';
import type { CardInput } from '../services/card-validation.js';
import { addPaymentMethod, removePaymentMethod } from '../services/payment-method.service.js';
import { refundPayment } from '../services/refund.service.js';

type Ctx = SubgraphContext<PaymentLoaders>;

/** The payment mutations: each authorizes the caller and hands over to one service function. */
export function mutationResolvers(processor: CardProcessor) {
  return {
    addPaymentMethod: (_: unknown, args: { input: CardInput }, ctx: Ctx) =>
      addPaymentMethod(ctx.em, processor, requireIdentity(ctx.identity).customerId, args.input, { requestId: ctx.requestId }),
    removePaymentMethod: async (_: unknown, args: { id: string }, ctx: Ctx) => {
      const { customerId } = requireIdentity(ctx.identity);
      await removePaymentMethod(ctx.em, customerId, parseId(args.id), { requestId: ctx.requestId });
      return true;
    },
    refundPayment: (_: unknown, args: { paymentId: string; amountCents: number; reason?: string | null }, ctx: Ctx) => {
      requireAdmin(ctx.identity);
      return refundPayment(ctx.em, processor, parseId(args.paymentId, 'paymentId'), args.amountCents, args.reason ?? null, {
        requestId: ctx.requestId,
      });
    },
  };
}
