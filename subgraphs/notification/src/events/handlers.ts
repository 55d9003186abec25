import { oneStatement, writeSql, type SqlStatement } from '../../../../lib/db/sql.js';
import type { EventData } from '../../../../lib/events/contracts/index.js';
import type { EventEnvelope } from '../../../../lib/events/envelope.js';
import type { EventStep } from '../../../../lib/events/handlers.js';
import type { EmailTemplates } from '../email/templates.js';
import { rememberProduct } from '../services/catalog-products.js';
import { rememberContact } from '../services/customer-contacts.js';
import { queueEmail } from '../services/queue-email.js';
import { queueWebhooks, webhookRows } from '../services/queue-webhooks.js';
import type { WebhookEventType } from '../webhooks/event-types.js';
import { emailsForEvents, type EmailingEventType, type EmailPlan } from './emails-for-events.js';

type OrderEvent = EventEnvelope<{ customerId: string; customerEmail: string; customerName: string }>;

/** The order events name their customer: keep the address for events that do not (refunds). */
const rememberCustomerOf = (event: OrderEvent) =>
  rememberContact({ customerId: event.data.customerId, email: event.data.customerEmail, name: event.data.customerName }, new Date(event.occurredAt));

/**
 * What the notification service does with each event, as steps in the consumer's transaction: it only
 * writes rows (PENDING emails and webhook deliveries, and its copies of names and addresses); the
 * dispatcher sends after the commit, so a slow mail relay never holds up an event or a transaction.
 * Nothing here throws on an event's content: a dead-lettered order event would fail the order.
 *
 * An event costs at most two statements: what the email shows is read (product names), then every
 * row is written at once, with the commit.
 */
export function notificationEventSteps(templates: EmailTemplates): { [T in WebhookEventType]: EventStep<T> } {
  function notify<T extends EmailingEventType>(type: T, remember?: (event: EventEnvelope<EventData<T>>) => SqlStatement): EventStep<T> {
    const plan: EmailPlan<T> = emailsForEvents[type];
    return async (em, event) => {
      const email = await plan(em, event.data);
      const writes = [
        ...(remember ? [remember(event)] : []),
        ...(email ? [queueEmail(event, email, templates.render(email.kind, email.data))] : []),
        ...webhookRows(event),
      ];
      await writeSql(em, oneStatement(writes));
    };
  }
  const product: EventStep<'inventory.product_created' | 'inventory.product_updated'> = async (em, event) => {
    await rememberProduct(em, event.data, new Date(event.occurredAt));
    await queueWebhooks(em, event);
  };

  return {
    'customer.registered': notify('customer.registered', (event) => rememberContact(event.data, new Date(event.occurredAt))),
    'order.placed': notify('order.placed', rememberCustomerOf),
    'order.paid': notify('order.paid', rememberCustomerOf),
    'order.shipped': notify('order.shipped', rememberCustomerOf),
    'order.delivered': notify('order.delivered', rememberCustomerOf),
    'order.failed': notify('order.failed', rememberCustomerOf),
    'order.cancelled': notify('order.cancelled', rememberCustomerOf),
    'payment.refunded': notify('payment.refunded'),
    'inventory.product_created': product,
    'inventory.product_updated': product,
  };
}
