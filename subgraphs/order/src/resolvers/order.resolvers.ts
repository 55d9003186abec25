import { canSee } from '../../../../lib/auth/identity.js';
import { parseId, referenceId } from '../../../../lib/ids.js';
import { money } from '../../../../lib/money.js';
import type { OrderItem } from '../entities/order-item.entity.js';
import type { Order } from '../entities/order.entity.js';
import { authorizeOrder, authorizeOrders, listOrders, parseOrderIds, type OrderListArgs } from '../services/order-query.service.js';
import { cancelOrder, markOrderDelivered, shipOrder } from '../services/order-commands.service.js';
import { placeOrder, type PlaceOrderInput } from '../services/place-order.service.js';
import type { Ctx } from './index.js';

export const orderResolvers = {
  Query: {
    order: async (_: unknown, args: { id: string }, ctx: Ctx) =>
      authorizeOrder(ctx.identity, await ctx.loaders.order.load(parseId(args.id))),
    ordersByIds: async (_: unknown, args: { ids: string[] }, ctx: Ctx) =>
      authorizeOrders(ctx.identity, await ctx.loaders.order.loadMany(parseOrderIds(ctx.identity, args.ids))),
    orders: (_: unknown, args: OrderListArgs, ctx: Ctx) => listOrders(ctx.em, ctx.identity, args),
  },
  Mutation: {
    placeOrder: (_: unknown, args: { input: PlaceOrderInput; idempotencyKey: string }, ctx: Ctx) =>
      placeOrder(ctx.em, ctx.identity, args.input, args.idempotencyKey, ctx.requestId),
    cancelOrder: (_: unknown, args: { id: string; reason?: string | null }, ctx: Ctx) =>
      cancelOrder(ctx.em, ctx.identity, parseId(args.id), args.reason ?? null, ctx.requestId),
    shipOrder: (_: unknown, args: { id: string; trackingNumber: string }, ctx: Ctx) =>
      shipOrder(ctx.em, ctx.identity, parseId(args.id), args.trackingNumber, ctx.requestId),
    markOrderDelivered: (_: unknown, args: { id: string }, ctx: Ctx) => markOrderDelivered(ctx.em, ctx.identity, parseId(args.id), ctx.requestId),
  },
  Order: {
    // Other subgraphs and subscriptions reach orders by reference: the same owner rule applies.
    __resolveReference: async (ref: { id: string }, ctx: Ctx) => {
      const id = referenceId(ref.id);
      if (!id) return null;
      const order = await ctx.loaders.order.load(id);
      return order && canSee(ctx.identity, order.customerId) ? order : null;
    },
    customer: (o: Order, _: unknown, ctx: Ctx) => ctx.loaders.customer.load(o.customerId),
    items: (o: Order, _: unknown, ctx: Ctx) => ctx.loaders.items.load(o.id),
    statusHistory: (o: Order, _: unknown, ctx: Ctx) => ctx.loaders.history.load(o.id),
    total: (o: Order) => money(o.totalCents),
    statusVersion: (o: Order) => o.statusSequence,
  },
  OrderItem: {
    product: (i: OrderItem) => ({ __typename: 'Product', id: i.productId }),
    unitPrice: (i: OrderItem) => money(i.unitPriceCents),
    lineTotal: (i: OrderItem) => money(i.unitPriceCents * i.quantity),
  },
};
