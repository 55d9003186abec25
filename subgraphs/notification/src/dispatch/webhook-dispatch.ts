import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from '../../../../lib/logger.js';
import { Notification } from '../entities/notification.entity.js';
import { WebhookDeliveryAttempt } from '../entities/webhook-delivery-attempt.entity.js';
import { WebhookDelivery } from '../entities/webhook-delivery.entity.js';
import { WebhookEndpoint } from '../entities/webhook-endpoint.entity.js';
import { failPendingDeliveries } from '../services/webhook-delivery.service.js';
import { postWebhook, type WebhookResponse } from '../webhooks/post-webhook.js';
import { signedHeaders } from '../webhooks/signing.js';
import { claimDueWebhookDeliveries } from './claim-due.js';
import { settleAll } from './polling-worker.js';
import { afterFailure } from './retry-schedule.js';

export interface WebhookDispatchOptions {
  retryScheduleMs: readonly number[];
  timeoutMs: number;
  allowPrivateAddresses: boolean;
  batchSize: number;
}

/**
 * POSTs due webhook deliveries, signed per Standard Webhooks with the event id as `webhook-id`, and
 * records every attempt with the delivery's new state (and its notification's) in one transaction.
 */
export class WebhookDispatch {
  readonly stats = { sent: 0, retried: 0, failed: 0 };
  private readonly leaseMs: number;

  constructor(
    private readonly orm: MikroORM,
    private readonly opts: WebhookDispatchOptions,
    private readonly logger: Logger,
  ) {
    // The POST is bounded by the timeout; resolving the host is not, so leave it ample room too.
    this.leaseMs = opts.timeoutMs * 2 + 10_000;
  }

  async runBatch(): Promise<number> {
    const em = this.orm.em.fork() as EntityManager;
    const claimed = await claimDueWebhookDeliveries(em, this.opts.batchSize, this.leaseMs);
    if (claimed.length === 0) return 0;
    const endpoints = await em.find(WebhookEndpoint, { id: { $in: [...new Set(claimed.map((d) => d.endpointId))] } });
    const byId = new Map(endpoints.map((e) => [e.id, e]));
    await settleAll(claimed.map((d) => this.deliver(d, byId.get(d.endpointId))));
    return claimed.length;
  }

  private async deliver(d: WebhookDelivery, endpoint: WebhookEndpoint | undefined): Promise<void> {
    if (!endpoint || endpoint.deletedAt) {
      // Deleted after this delivery was queued: the admin asked for no more requests to it.
      await failPendingDeliveries(this.orm.em.fork() as EntityManager, { id: d.id }, 'endpoint deleted');
      return;
    }
    const response = await postWebhook(endpoint.url, d.payload, signedHeaders(endpoint.secret, d.eventId, d.payload), {
      timeoutMs: this.opts.timeoutMs,
      allowPrivateAddresses: this.opts.allowPrivateAddresses,
    });
    await this.record(d, response);
  }

  private async record(d: WebhookDelivery, response: WebhookResponse): Promise<void> {
    const now = new Date();
    const attempts = d.attempts + 1;
    const cycleAttempts = d.cycleAttempts + 1;
    const next = response.ok ? { status: 'SENT' as const, nextAttemptAt: null } : afterFailure(this.opts.retryScheduleMs, cycleAttempts, { now });
    const sentAt = response.ok ? now : d.sentAt;
    await this.orm.em.fork().transactional(async (em) => {
      em.persist(
        Object.assign(new WebhookDeliveryAttempt(), {
          deliveryId: d.id,
          attemptNumber: attempts,
          statusCode: response.statusCode,
          error: response.error,
          durationMs: response.durationMs,
          createdAt: now,
        }),
      );
      // Guarded by status: a delivery that deleteWebhook closed meanwhile stays FAILED.
      const updated = await em.nativeUpdate(
        WebhookDelivery,
        { id: d.id, status: 'PENDING' },
        { ...next, attempts, cycleAttempts, lastError: response.error, lastStatusCode: response.statusCode, sentAt, updatedAt: now },
      );
      if (updated && d.notificationId) {
        await em.nativeUpdate(Notification, { id: d.notificationId }, { ...next, attempts, lastError: response.error, sentAt, updatedAt: now });
      }
    });
    this.stats[next.status === 'SENT' ? 'sent' : next.status === 'FAILED' ? 'failed' : 'retried']++;
    if (next.status === 'FAILED') this.logger.error({ deliveryId: d.id, endpointId: d.endpointId, attempts, error: response.error }, 'webhook delivery failed for good');
  }
}
