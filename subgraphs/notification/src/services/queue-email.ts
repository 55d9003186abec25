import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventEnvelope } from '../../../../lib/events/envelope.js';
import type { RenderedEmail } from '../email/templates.js';
import { Notification } from '../entities/notification.entity.js';
import type { PlannedEmail } from '../events/emails-for-events.js';

/**
 * Records an email as PENDING, due at once, in the caller's transaction; the dispatcher sends it
 * after the commit. The same event cannot queue the same email twice: the row is unique by
 * (event, template, recipient), and a second insert is ignored.
 */
export async function queueEmail(em: EntityManager, event: EventEnvelope, email: PlannedEmail, rendered: RenderedEmail): Promise<void> {
  const now = new Date();
  await em
    .createQueryBuilder(Notification)
    .insert({
      ...new Notification(),
      channel: 'EMAIL',
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
    })
    .onConflict(['eventId', 'template', 'recipient'])
    .ignore()
    .execute('run');
}
