import { requireAdmin } from '../../../../lib/auth/identity.js';
import { parseId } from '../../../../lib/ids.js';
import type { SubgraphContext } from '../../../../lib/subgraph/subgraph-server.js';
import type { WebhookDelivery } from '../entities/webhook-delivery.entity.js';
import type { NotificationLoaders } from '../loaders.js';
import { findWebhookDelivery, listWebhookDeliveries, redeliverWebhook, type WebhookDeliveryListArgs } from '../services/webhook-delivery.service.js';
import { deleteWebhook, listWebhookEndpoints, registerWebhook, type RegisterWebhookInput } from '../services/webhook-endpoint.service.js';
import { WEBHOOK_EVENT_TYPES } from '../webhooks/event-types.js';

type Ctx = SubgraphContext<NotificationLoaders>;

/** Webhooks are an admin's tool end to end: every field here starts by checking for one. */
export function webhookResolvers(opts: { allowPrivateUrls: boolean }) {
  return {
    Query: {
      webhookEndpoints: (_: unknown, __: unknown, ctx: Ctx) => {
        requireAdmin(ctx.identity);
        return listWebhookEndpoints(ctx.em);
      },
      webhookEventTypes: (_: unknown, __: unknown, ctx: Ctx) => {
        requireAdmin(ctx.identity);
        return WEBHOOK_EVENT_TYPES;
      },
      webhookDeliveries: (_: unknown, args: WebhookDeliveryListArgs, ctx: Ctx) => {
        requireAdmin(ctx.identity);
        return listWebhookDeliveries(ctx.em, { ...args, endpointId: args.endpointId ? parseId(args.endpointId, 'endpointId') : null });
      },
      webhookDelivery: (_: unknown, args: { id: string }, ctx: Ctx) => {
        requireAdmin(ctx.identity);
        return findWebhookDelivery(ctx.em, parseId(args.id));
      },
    },
    Mutation: {
      registerWebhook: (_: unknown, args: { input: RegisterWebhookInput }, ctx: Ctx) => {
        requireAdmin(ctx.identity);
        return registerWebhook(ctx.em, args.input, opts);
      },
      deleteWebhook: (_: unknown, args: { id: string }, ctx: Ctx) => {
        requireAdmin(ctx.identity);
        return deleteWebhook(ctx.em, parseId(args.id));
      },
      redeliverWebhook: (_: unknown, args: { deliveryId: string }, ctx: Ctx) => {
        requireAdmin(ctx.identity);
        return redeliverWebhook(ctx.em, parseId(args.deliveryId, 'deliveryId'));
      },
    },
    WebhookDelivery: {
      webhookId: (d: WebhookDelivery) => d.eventId,
      endpoint: (d: WebhookDelivery, _: unknown, ctx: Ctx) => ctx.loaders.webhookEndpoint.load(d.endpointId),
      attemptHistory: (d: WebhookDelivery, _: unknown, ctx: Ctx) => ctx.loaders.deliveryAttempts.load(d.id),
    },
  };
}
