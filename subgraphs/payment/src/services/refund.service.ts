import { LockMode, type EntityManager } from '@mikro-orm/postgresql';
import { findRowsIn } from '../../../../lib/db/read-rows.js';
import { AppError, badInput, ErrorCode, notFound } from '../../../../lib/errors.js';
import type { EventData } from '../../../../lib/events/contracts/index.js';
import type { EventEnvelope } from '../../../../lib/events/envelope.js';
import { recordEvent, type EventCause } from '../../../../lib/events/record-event.js';
import { PaymentTransaction } from '../entities/payment-transaction.entity.js';
import { Payment } from '../entities/payment.entity.js';
import { Refund } from '../entities/refund.entity.js';
import type { CardProcessor } from '../processor/card-processor.js';
import { isRefundable, paymentIdForOrder } from './payment.service.js';

/** Refunds of each payment, in the order they were made. */
export function findRefundsByPaymentIds(em: EntityManager, paymentIds: readonly string[]): Promise<Refund[]> {
  return findRowsIn(em, Refund, 'paymentId', paymentIds, { createdAt: 'asc', id: 'asc' });
}

const MAX_REASON_LENGTH = 500;

/**
 * Admin: refunds `amountCents` of a captured payment, in part or in full. BAD_USER_INPUT for an
 * amount outside 1…what remains; CONFLICT when the payment holds nothing refundable.
 */
export async function refundPayment(
  em: EntityManager,
  processor: CardProcessor,
  paymentId: string,
  amountCents: number,
  reason: string | null,
  cause: EventCause,
): Promise<Payment> {
  if (!Number.isInteger(amountCents) || amountCents <= 0) {
    throw badInput('amountCents must be a positive whole number of cents.', { field: 'amountCents' });
  }
  const why = reason?.trim() || null;
  if (why && why.length > MAX_REASON_LENGTH) {
    throw badInput(`reason must be at most ${MAX_REASON_LENGTH} characters.`, { field: 'reason' });
  }
  return em.transactional(async (tx) => {
    // Locked: two refunds at once must each see what the other took.
    const payment = await tx.findOne(Payment, { id: paymentId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!payment) throw notFound('Payment');
    if (!isRefundable(payment)) {
      throw new AppError(ErrorCode.CONFLICT, `Only a captured payment can be refunded; this one is ${payment.status}.`, {
        status: payment.status,
      });
    }
    const remainingCents = payment.amountCents - payment.refundedCents;
    if (amountCents > remainingCents) {
      throw badInput(`Only ${remainingCents} cents of this payment can still be refunded.`, { field: 'amountCents', remainingCents });
    }
    const refund = Object.assign(new Refund(), { paymentId: payment.id, amountCents, reason: why });
    await applyRefund(tx, processor, payment, refund, `${payment.id}:refund:${refund.id}`, cause);
    return payment;
  });
}

type OrderEnded = EventEnvelope<EventData<'order.cancelled'> | EventData<'order.failed'>>;

/**
 * Handles `order.cancelled` and `order.failed` inside the consumer's transaction: gives back
 * whatever a captured payment still holds. When the order has no payment yet (the cancellation
 * overtook the payment request), a FAILED payment is written in its place so the request, when
 * it arrives, finds a settled payment and charges nothing.
 */
export async function refundForOrder(em: EntityManager, processor: CardProcessor, event: OrderEnded): Promise<void> {
  const { orderId, customerId, totalCents } = event.data;
  const cancelled = event.type === 'order.cancelled';
  const payment = await em.findOne(Payment, { orderId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  if (!payment) {
    // An order that ran out of stock never had a payment requested; a placeholder would only
    // show a payment failure the customer never had.
    if (!cancelled && event.data.reason === 'OUT_OF_STOCK') return;
    // Same id as the charge would use: if a charge is in flight, one of the two inserts fails
    // on the key and its event is handled again, then finding the other's settled payment.
    em.persist(
      Object.assign(new Payment(), {
        id: paymentIdForOrder(orderId),
        orderId,
        customerId,
        amountCents: totalCents,
        status: 'FAILED' as const,
        failureCode: cancelled ? 'ORDER_CANCELLED' : 'ORDER_FAILED',
        processedAt: new Date(),
      }),
    );
    await em.flush();
    return;
  }
  const remainingCents = payment.amountCents - payment.refundedCents;
  if (!isRefundable(payment) || remainingCents === 0) return;
  const reason = cancelled
    ? `Order cancelled${event.data.reason ? `: ${event.data.reason}` : ''}`
    : `Order failed: ${event.data.reason}`;
  const refund = Object.assign(new Refund(), { paymentId: payment.id, amountCents: remainingCents, reason });
  // Keyed by the event: handled again after a rollback, it replays the processor's refund.
  await applyRefund(em, processor, payment, refund, `${payment.id}:refund:${event.id}`, event);
}

/** Refunds at the processor, then records the refund, its transaction and `payment.refunded`. */
async function applyRefund(
  em: EntityManager,
  processor: CardProcessor,
  payment: Payment,
  refund: Refund,
  idempotencyKey: string,
  cause: EventCause,
): Promise<void> {
  const capture = await em.findOne(PaymentTransaction, { paymentId: payment.id, kind: 'CAPTURE' }, { orderBy: { createdAt: 'desc' } });
  if (!capture?.processorReference) {
    throw new Error(`Payment ${payment.id} is ${payment.status} but has no captured charge to refund.`);
  }
  const { reference } = await processor.refund({
    chargeReference: capture.processorReference,
    amountCents: refund.amountCents,
    idempotencyKey,
  });
  payment.refundedCents += refund.amountCents;
  payment.status = payment.refundedCents === payment.amountCents ? 'REFUNDED' : 'PARTIALLY_REFUNDED';
  em.persist(refund);
  em.persist(
    Object.assign(new PaymentTransaction(), {
      paymentId: payment.id,
      kind: 'REFUND' as const,
      amountCents: refund.amountCents,
      processorReference: reference,
      detail: refund.reason,
    }),
  );
  recordEvent(
    em,
    'payment.refunded',
    {
      orderId: payment.orderId,
      paymentId: payment.id,
      customerId: payment.customerId,
      amountCents: refund.amountCents,
      refundedTotalCents: payment.refundedCents,
      reason: refund.reason,
    },
    { aggregateId: payment.id, cause },
  );
  await em.flush();
}

