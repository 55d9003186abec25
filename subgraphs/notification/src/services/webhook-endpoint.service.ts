import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { findRows, findRowsIn } from '../../../../lib/db/read-rows.js';
import { AppError, badInput, ErrorCode, notFound } from '../../../../lib/errors.js';
import { WebhookEndpoint } from '../entities/webhook-endpoint.entity.js';
import { checkPublicHost } from '../webhooks/address-guard.js';
import { isWebhookEventType, WEBHOOK_EVENT_TYPES } from '../webhooks/event-types.js';
import { newWebhookSecret } from '../webhooks/signing.js';
import { failPendingDeliveries } from './webhook-delivery.service.js';

/**
 * Registered endpoints, oldest first: every one not deleted, paused ones too, since an admin
 * needs to see those to turn them back on.
 */
export function listWebhookEndpoints(em: EntityManager): Promise<WebhookEndpoint[]> {
  return findRows(em, WebhookEndpoint, { deletedAt: null }, { orderBy: { createdAt: 'asc', id: 'asc' } });
}

/** Deleted ones too: a delivery keeps pointing at the endpoint it went to. */
export function findWebhookEndpointsByIds(em: EntityManager, ids: readonly string[]): Promise<WebhookEndpoint[]> {
  return findRowsIn(em, WebhookEndpoint, 'id', ids);
}

export interface RegisterWebhookInput {
  url: string;
  eventTypes: string[];
}

function parseWebhookUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw badInput('url must be an absolute http or https URL.', { field: 'url' });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw badInput('url must be an http or https URL.', { field: 'url' });
  if (url.href.length > 2048) throw badInput('url may be at most 2048 characters long.', { field: 'url' });
  return url;
}

function parseEventTypes(types: string[]): string[] {
  const unique = [...new Set(types.map((t) => t.trim()))];
  const unknown = unique.filter((t) => !isWebhookEventType(t));
  if (unique.length === 0 || unknown.length > 0) {
    throw badInput(
      unique.length === 0 ? 'eventTypes must name at least one event type.' : `eventTypes has types that cannot be subscribed to: ${unknown.join(', ')}.`,
      { field: 'eventTypes', allowed: [...WEBHOOK_EVENT_TYPES] },
    );
  }
  return unique;
}

/**
 * Registers an endpoint and returns its signing secret, which is never shown again. A URL whose
 * host resolves to a loopback, private or link-local address is refused unless `allowPrivateUrls`;
 * every delivery checks again, since DNS answers change.
 */
export async function registerWebhook(
  em: EntityManager,
  input: RegisterWebhookInput,
  opts: { allowPrivateUrls: boolean },
): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  const url = parseWebhookUrl(input.url);
  const eventTypes = parseEventTypes(input.eventTypes);
  if (!opts.allowPrivateUrls) {
    const check = await checkPublicHost(url.hostname);
    if (!check.ok) throw badInput(`url is refused: ${check.reason}.`, { field: 'url' });
  }
  // One live endpoint per URL: each event then leaves one record per URL (see queueWebhooks).
  if ((await em.count(WebhookEndpoint, { url: url.href, deletedAt: null })) > 0) {
    throw new AppError(ErrorCode.CONFLICT, 'An endpoint with this URL is already registered; delete it first.', { field: 'url' });
  }
  const endpoint = Object.assign(new WebhookEndpoint(), { url: url.href, eventTypes, secret: newWebhookSecret() });
  await em.persistAndFlush(endpoint);
  return { endpoint, secret: endpoint.secret };
}

/**
 * Deletes an endpoint: no new deliveries are queued for it, and those still waiting become FAILED
 * ("endpoint deleted") rather than vanish. The row stays, so past deliveries keep their endpoint.
 */
export async function deleteWebhook(em: EntityManager, id: string): Promise<WebhookEndpoint> {
  return em.transactional(async (tx) => {
    const endpoint = await tx.findOne(WebhookEndpoint, { id, deletedAt: null }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!endpoint) throw notFound('Webhook endpoint');
    endpoint.deletedAt = new Date();
    endpoint.active = false;
    await failPendingDeliveries(tx, { endpointId: id }, 'endpoint deleted');
    return endpoint;
  });
}
