import type { EntityManager } from '@mikro-orm/postgresql';
import { WebhookEndpoint } from '../entities/webhook-endpoint.entity.js';

/**
 * Registered endpoints, oldest first: every one not deleted, paused ones too, since an admin
 * needs to see those to turn them back on.
 */
export function listWebhookEndpoints(em: EntityManager): Promise<WebhookEndpoint[]> {
  return em.find(WebhookEndpoint, { deletedAt: null }, { orderBy: { createdAt: 'asc', id: 'asc' } });
}
