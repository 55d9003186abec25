import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import { canSee, requireAdmin } from '../../../../lib/auth/identity.js';
import { forbidden } from '../../../../lib/errors.js';
import { DateTimeScalar } from '../../../../lib/graphql/scalars.js';
import { referenceId } from '../../../../lib/ids.js';
import { pageSize } from '../../../../lib/pagination.js';
import type { SubgraphContext } from '../../../../lib/subgraph/subgraph-server.js';
import type { Notification } from '../entities/notification.entity.js';
import type { NotificationLoaders } from '../loaders.js';
import { canSeeNotification, visibleLastError } from '../services/notification-access.js';
import { listNotifications, type NotificationListArgs } from '../services/notification-list.service.js';
import { webhookResolvers } from './webhook.resolvers.js';

type Ctx = SubgraphContext<NotificationLoaders>;
type Ref = { id: string };

/** Order and Customer belong to the order subgraph; here they are only an id to hang notifications on. */
const reference = (ref: Ref): Ref | null => {
  const id = referenceId(ref.id);
  return id ? { id } : null;
};

export function createResolvers(opts: { allowPrivateWebhookUrls: boolean }): GraphQLResolverMap<Ctx> {
  const webhooks = webhookResolvers({ allowPrivateUrls: opts.allowPrivateWebhookUrls });
  return {
    DateTime: DateTimeScalar,
    Query: {
      notifications: (_: unknown, args: NotificationListArgs, ctx: Ctx) => {
        requireAdmin(ctx.identity);
        return listNotifications(ctx.em, args);
      },
      ...webhooks.Query,
    },
    Mutation: webhooks.Mutation,
    WebhookDelivery: webhooks.WebhookDelivery,
    Notification: {
      __resolveReference: async (ref: Ref, ctx: Ctx) => {
        const id = referenceId(ref.id);
        const n = id ? await ctx.loaders.notification.load(id) : null;
        return n && canSeeNotification(ctx.identity, n) ? n : null;
      },
      lastError: (n: Notification, _: unknown, ctx: Ctx) => visibleLastError(ctx.identity, n),
    },
    Order: {
      __resolveReference: reference,
      // The order subgraph has authorized the order already; this keeps other customers' rows out regardless.
      notifications: async (order: Ref, _: unknown, ctx: Ctx) => {
        const rows = await ctx.loaders.orderNotifications.load(order.id);
        return rows.filter((n) => canSeeNotification(ctx.identity, n));
      },
    },
    Customer: {
      __resolveReference: reference,
      notifications: (customer: Ref, args: { first?: number | null }, ctx: Ctx) => {
        if (!canSee(ctx.identity, customer.id)) throw forbidden();
        return ctx.loaders.customerNotifications(pageSize(args.first)).load(customer.id);
      },
    },
  } as GraphQLResolverMap<Ctx>;
}
