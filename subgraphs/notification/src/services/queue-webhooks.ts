import { oneStatement, writeSql, type SqlStatement, type SqlTarget } from '../../../../lib/db/sql.js';
import type { EventEnvelope } from '../../../../lib/events/envelope.js';

/** The body every endpoint receives, in the shape the Standard Webhooks spec recommends. */
export function webhookBody(event: EventEnvelope): string {
  return JSON.stringify({ type: event.type, timestamp: event.occurredAt, data: event.data });
}

/**
 * The statements that queue `event` for every live endpoint subscribed to its type: a PENDING
 * delivery per endpoint, due at once, and the WEBHOOK notification that puts it on the message
 * record. Set-based (the endpoints are selected inside the statement), so an event costs no round
 * trip of its own whether or not anyone subscribes. Unique by (endpoint, event) and
 * (event, template, recipient): a second run adds nothing.
 *
 * Registration refuses a URL that is already live, but two admins registering it at once could
 * both succeed: only the first endpoint of a URL gets the record, the other's delivery goes
 * without one rather than failing the event.
 */
export function webhookRows(event: EventEnvelope): SqlStatement[] {
  const payload = webhookBody(event);
  const data = event.data as { orderId?: unknown };
  const orderId = typeof data?.orderId === 'string' ? data.orderId : null;
  const now = new Date();
  return [
    {
      name: 'hooks',
      sql: `select id, url, row_number() over (partition by url order by id) = 1 as keeps_record
              from webhook_endpoints where deleted_at is null and active and event_types @> array[?]::text[]`,
      params: [event.type],
    },
    {
      name: 'hook_records',
      sql: `insert into notifications (id, channel, template, recipient, order_id, event_id, status, attempts, payload, next_attempt_at, created_at, updated_at)
            select gen_random_uuid(), 'WEBHOOK', ?, url, ?, ?, 'PENDING', 0, ?::jsonb, ?, ?, ? from hooks where keeps_record
            on conflict (event_id, template, recipient) do nothing
            returning id, recipient`,
      params: [event.type, orderId, event.id, payload, now, now, now],
    },
    {
      sql: `insert into webhook_deliveries (id, endpoint_id, notification_id, event_id, event_type, payload, status, attempts, cycle_attempts, next_attempt_at, created_at, updated_at)
            select gen_random_uuid(), h.id, r.id, ?, ?, ?, 'PENDING', 0, 0, ?, ?, ?
              from hooks h left join hook_records r on h.keeps_record and r.recipient = h.url
            on conflict (endpoint_id, event_id) do nothing`,
      params: [event.id, event.type, payload, now, now, now],
    },
  ];
}

/** Queues `event` for its endpoints in `em`'s transaction (see `webhookRows`), on its own. */
export async function queueWebhooks(em: SqlTarget, event: EventEnvelope): Promise<void> {
  await writeSql(em, oneStatement(webhookRows(event)));
}
