import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventData } from '../../../../lib/events/contracts/index.js';
import type { EventEnvelope } from '../../../../lib/events/envelope.js';
import { recordEvent } from '../../../../lib/events/record-event.js';
import { PaymentMethod } from '../entities/payment-method.entity.js';
import { PaymentTransaction } from '../entities/payment-transaction.entity.js';
import { Payment } from '../entities/payment.entity.js';
import type { CardProcessor, ChargeResult } from '../processor/card-processor.js';
import { isExpired } from './card-validation.js';
import { chargeWithRetries, type ChargeFailureCode, type RetryPolicy } from './charge-attempts.js';
import { isSettled, paymentIdForOrder } from './payment.service.js';

type PaymentRequested = EventEnvelope<EventData<'order.payment_requested'>>;

/**
 * Handles `order.payment_requested`: charges the order's card once and records the outcome,
 * ending in `payment.succeeded` or `payment.failed`. Runs inside the consumer's transaction
 * (`em` is in it); an order that already has a settled payment (charged, failed, refunded, or
 * cancelled before the charge) is left alone, so the same request handled again does nothing.
 */
export async function chargeOrder(
  em: EntityManager,
  processor: CardProcessor,
  event: PaymentRequested,
  policy: RetryPolicy,
): Promise<Payment> {
  const { orderId, customerId, amountCents, paymentMethodId } = event.data;
  const existing = await em.findOne(Payment, { orderId });
  if (existing && isSettled(existing)) return existing;

  const payment =
    existing ??
    Object.assign(new Payment(), { id: paymentIdForOrder(orderId), orderId, customerId, amountCents, paymentMethodId });
  // Inserted before the processor is called: a second consumer handling the same order at the
  // same time blocks on the unique order id here and fails, instead of charging too.
  em.persist(payment);
  await em.flush();

  const method = await em.findOne(PaymentMethod, { id: paymentMethodId });
  if (!method || method.removedAt || method.customerId !== customerId || isExpired(method.expMonth, method.expYear)) {
    return fail(em, payment, 'PAYMENT_METHOD_INVALID', 0, event);
  }

  const logAttempt = (result: ChargeResult) =>
    em.persist(
      Object.assign(new PaymentTransaction(), {
        paymentId: payment.id,
        kind: 'AUTHORIZE' as const,
        amountCents,
        processorReference: result.outcome === 'succeeded' ? result.reference : null,
        detail: result.outcome,
      }),
    );
  const result = await chargeWithRetries(processor, { token: method.token, amountCents, keyPrefix: payment.id }, policy, logAttempt);
  if (!result.ok) return fail(em, payment, result.code, result.attempts, event);

  em.persist(
    Object.assign(new PaymentTransaction(), { paymentId: payment.id, kind: 'CAPTURE' as const, amountCents, processorReference: result.reference }),
  );
  Object.assign(payment, { status: 'CAPTURED', failureCode: null, attempts: result.attempts, processedAt: new Date() });
  recordEvent(
    em,
    'payment.succeeded',
    { orderId, paymentId: payment.id, amountCents, attempts: result.attempts },
    { aggregateId: payment.id, cause: event },
  );
  await em.flush();
  return payment;
}

async function fail(
  em: EntityManager,
  payment: Payment,
  code: ChargeFailureCode | 'PAYMENT_METHOD_INVALID',
  attempts: number,
  event: PaymentRequested,
): Promise<Payment> {
  Object.assign(payment, { status: 'FAILED', failureCode: code, attempts, processedAt: new Date() });
  recordEvent(
    em,
    'payment.failed',
    { orderId: payment.orderId, paymentId: payment.id, code, attempts },
    { aggregateId: payment.id, cause: event },
  );
  await em.flush();
  return payment;
}
