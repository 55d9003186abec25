import { canSee, requireAdmin, requireIdentity } from '../../../../lib/auth/identity.js';
import { referenceId } from '../../../../lib/ids.js';
import { pageSize, toConnection } from '../../../../lib/pagination.js';
import type { Customer } from '../entities/customer.entity.js';
import type { OrderStatus } from '../entities/order-status.js';
import { authenticate, listCustomers, registerCustomer, type CustomerListArgs, type RegistrationInput } from '../services/customer.service.js';
import { listOrders } from '../services/order-query.service.js';
import type { Ctx } from './index.js';
import type { TokenSigner } from '../../../../lib/auth/jwt.js';

export function customerResolvers(signToken: TokenSigner) {
  const authPayload = async (customer: Customer) => ({
    token: await signToken({ customerId: customer.id, role: customer.role }),
    customer,
  });
  return {
    Query: {
      me: async (_: unknown, __: unknown, ctx: Ctx) => ctx.loaders.customer.load(requireIdentity(ctx.identity).customerId),
      customers: (_: unknown, args: CustomerListArgs, ctx: Ctx) => {
        requireAdmin(ctx.identity);
        return listCustomers(ctx.em, args);
      },
    },
    Mutation: {
      registerCustomer: async (_: unknown, args: { input: RegistrationInput }, ctx: Ctx) =>
        authPayload(await registerCustomer(ctx.em, args.input, { cause: { requestId: ctx.requestId } })),
      login: async (_: unknown, args: { email: string; password: string }, ctx: Ctx) =>
        authPayload(await authenticate(ctx.em, args.email, args.password)),
    },
    Customer: {
      __resolveReference: async (ref: { id: string }, ctx: Ctx) => {
        const id = referenceId(ref.id);
        if (!id || !canSee(ctx.identity, id)) return null;
        return ctx.loaders.customer.load(id);
      },
      orders: async (c: Customer, args: { first?: number; after?: string; status?: OrderStatus }, ctx: Ctx) => {
        // A cursor is specific to one customer's list, so paging on goes through the single-customer query.
        if (args.after) return listOrders(ctx.em, ctx.identity, { ...args, customerId: c.id });
        const who = requireIdentity(ctx.identity);
        if (!canSee(who, c.id)) return listOrders(ctx.em, ctx.identity, { ...args, customerId: c.id });
        const first = pageSize(args.first);
        const status = args.status ?? null;
        const rows = await ctx.loaders.recentOrders(first, status).load(c.id);
        return toConnection(rows, first, (o) => [o.placedAt.toISOString(), o.id], () => ctx.loaders.orderCount(status).load(c.id));
      },
    },
  };
}
