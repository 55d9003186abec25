import type { EntityManager } from '@mikro-orm/postgresql';
import { Notification } from '../entities/notification.entity.js';
import { WebhookDelivery } from '../entities/webhook-delivery.entity.js';

/**
 * Claims up to `limit` PENDING rows that are due, soonest first, by pushing their `next_attempt_at`
 * out by `leaseMs`: one statement, no transaction held while sending. `SKIP LOCKED` lets replicas
 * claim side by side without waiting on or taking each other's rows; a replica that dies mid-send
 * leaves its rows to be claimed again when the lease ends, so a message is never stranded.
 */
async function claimDue(em: EntityManager, table: string, extraCondition: string, limit: number, leaseMs: number): Promise<Record<string, unknown>[]> {
  return em.getConnection().execute<Record<string, unknown>[]>(
    `update ${table} set next_attempt_at = now() + ? * interval '1 millisecond'
      where id in (
        select id from ${table}
         where status = 'PENDING' and next_attempt_at <= now() ${extraCondition}
         order by next_attempt_at
         limit ?
         for update skip locked)
      returning *`,
    [leaseMs, limit],
  );
}

export async function claimDueEmails(em: EntityManager, limit: number, leaseMs: number): Promise<Notification[]> {
  const rows = await claimDue(em, 'notifications', "and channel = 'EMAIL'", limit, leaseMs);
  return rows.map((row) => em.map(Notification, row));
}

export async function claimDueWebhookDeliveries(em: EntityManager, limit: number, leaseMs: number): Promise<WebhookDelivery[]> {
  const rows = await claimDue(em, 'webhook_deliveries', '', limit, leaseMs);
  return rows.map((row) => em.map(WebhookDelivery, row));
}
