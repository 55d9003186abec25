import type { SqlStatement } from '../../../../lib/db/sql.js';
import type { EventEnvelope } from '../../../../lib/events/envelope.js';
import type { RenderedEmail } from '../email/templates.js';
import type { PlannedEmail } from '../events/emails-for-events.js';
import { Notification } from '../entities/notification.entity.js';

/**
 * The insert that records an email as PENDING, due at once, for the event handler to run with its
 * other writes in the consumer's transaction; the dispatcher sends it after the commit. The same
 * event cannot queue the same email twice: the row is unique by (event, template, recipient), and
 * a second insert is ignored.
 */
export function queueEmail(event: EventEnvelope, email: PlannedEmail, rendered: RenderedEmail): SqlStatement {
  const now = new Date();
  const n = Object.assign(new Notification(), {
    channel: 'EMAIL' as const,
    template: email.kind,
    recipient: email.to,
    // The column's bound: a long product name must not make the event fail and retry forever.
    subject: rendered.subject.slice(0, 500),
    customerId: email.customerId,
    orderId: email.orderId,
    eventId: event.id,
    payload: { html: rendered.html, text: rendered.text },
    nextAttemptAt: now,
    createdAt: now,
    updatedAt: now,
  });
  return {
    sql: `insert into notifications (id, channel, template, recipient, subject, customer_id, order_id, event_id, status, attempts, payload, next_attempt_at, created_at, updated_at)
          values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
          on conflict (event_id, template, recipient) do nothing`,
    params: [n.id, n.channel, n.template, n.recipient, n.subject, n.customerId, n.orderId, n.eventId, n.status, n.attempts, n.payload, n.nextAttemptAt, n.createdAt, n.updatedAt],
  };
}
