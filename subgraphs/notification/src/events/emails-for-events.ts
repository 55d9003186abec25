import type { SqlTarget } from '../../../../lib/db/sql.js';
import type { FailureReason } from '../../../../lib/events/contracts/common.js';
import type { EventData, EventType } from '../../../../lib/events/contracts/index.js';
import type { EmailKind } from '../email/templates.js';
import { formatCents, orderNumber, orderView } from '../email/order-view.js';
import { findContact } from '../services/customer-contacts.js';

/** An email an event calls for: who gets it, which template, and the data the template shows. */
export interface PlannedEmail {
  kind: EmailKind;
  to: string;
  customerId: string;
  orderId: string | null;
  data: object;
}

/** Why an order failed, in words that finish "We could not complete your order because …". */
const FAILURE_TEXT: Record<FailureReason, string> = {
  OUT_OF_STOCK: 'some of the items are out of stock',
  PAYMENT_DECLINED: 'your card was declined',
  INSUFFICIENT_FUNDS: 'your card has insufficient funds',
  PAYMENT_METHOD_INVALID: 'your payment method could not be used',
  PAYMENT_ERROR: 'your payment could not be processed',
  PROCESSING_ERROR: 'of a problem on our side',
};

/** Reasons that are decided before any money moves: the customer was never charged. */
const NEVER_CHARGED: readonly FailureReason[] = ['OUT_OF_STOCK', 'PAYMENT_DECLINED', 'INSUFFICIENT_FUNDS', 'PAYMENT_METHOD_INVALID'];

type OrderEvent = { orderId: string; customerId: string; customerEmail: string; customerName: string };
const toCustomerOf = (d: OrderEvent) => ({ to: d.customerEmail, customerId: d.customerId, orderId: d.orderId });

export type EmailingEventType =
  | 'customer.registered'
  | 'order.placed'
  | 'order.paid'
  | 'order.shipped'
  | 'order.delivered'
  | 'order.failed'
  | 'order.cancelled'
  | 'payment.refunded';

/** Decides the email an event calls for; null when it calls for none. */
export type EmailPlan<T extends EventType> = (em: SqlTarget, data: EventData<T>) => Promise<PlannedEmail | null>;

/** The email each consumed event sends (templates in `templates/<kind>/`). */
export const emailsForEvents: { [T in EmailingEventType]: EmailPlan<T> } = {
  'customer.registered': async (_em, d) => ({
    kind: 'welcome',
    to: d.email,
    customerId: d.customerId,
    orderId: null,
    data: { name: d.name },
  }),

  'order.placed': async (em, d) => ({
    kind: 'order-confirmation',
    ...toCustomerOf(d),
    data: await orderView(em, d),
  }),

  'order.paid': async (em, d) => ({
    kind: 'order-receipt',
    ...toCustomerOf(d),
    data: { ...(await orderView(em, d)), paymentId: d.paymentId },
  }),

  'order.shipped': async (em, d) => ({
    kind: 'order-shipped',
    ...toCustomerOf(d),
    data: { ...(await orderView(em, d)), trackingNumber: d.trackingNumber },
  }),

  'order.delivered': async (em, d) => ({
    kind: 'order-delivered',
    ...toCustomerOf(d),
    data: await orderView(em, d),
  }),

  'order.failed': async (em, d) => {
    const neverCharged = NEVER_CHARGED.includes(d.reason);
    return {
      kind: 'order-failed',
      ...toCustomerOf(d),
      data: { ...(await orderView(em, d)), reason: FAILURE_TEXT[d.reason], money: { notCharged: neverCharged, refundIfCharged: !neverCharged, refund: false } },
    };
  },

  'order.cancelled': async (em, d) => ({
    kind: 'order-cancelled',
    ...toCustomerOf(d),
    data: {
      ...(await orderView(em, d)),
      reason: d.reason,
      // PAID: captured, so refunded in full. RESERVED: a charge may be in flight; if it lands it is refunded.
      money: { refund: d.previousStatus === 'PAID', refundIfCharged: d.previousStatus === 'RESERVED', notCharged: d.previousStatus === 'PENDING' },
    },
  }),

  /** The refund event names only the customer id; null (no email) when this service has never heard of them. */
  'payment.refunded': async (em, d) => {
    const contact = await findContact(em, d.customerId);
    if (!contact) return null;
    return {
      kind: 'payment-refunded',
      to: contact.email,
      customerId: d.customerId,
      orderId: d.orderId,
      data: {
        customerName: contact.name,
        orderId: d.orderId,
        orderNumber: orderNumber(d.orderId),
        amount: formatCents(d.amountCents),
        refundedTotal: formatCents(d.refundedTotalCents),
        // Earlier refunds of the same payment: the email then also states the total refunded so far.
        earlierRefunds: d.refundedTotalCents > d.amountCents,
        reason: d.reason,
      },
    };
  },
};
