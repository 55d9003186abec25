import { LockMode, type EntityManager } from '@mikro-orm/postgresql';
import { findRows, findRowsIn } from '../../../../lib/db/read-rows.js';
import { notFound } from '../../../../lib/errors.js';
import { recordEvent, type EventCause } from '../../../../lib/events/record-event.js';
import { PaymentMethod } from '../entities/payment-method.entity.js';
import type { CardProcessor } from '../processor/card-processor.js';
import { validateCard, type CardInput } from './card-validation.js';

/** The cards each customer can still pay with, oldest first. */
export function findActivePaymentMethodsByCustomerIds(
  em: EntityManager,
  customerIds: readonly string[],
): Promise<PaymentMethod[]> {
  return findRows(
    em,
    PaymentMethod,
    { customerId: { $in: [...customerIds] }, removedAt: null },
    { orderBy: { createdAt: 'asc', id: 'asc' } },
  );
}

/** Removed methods included: a past payment still shows the card it was charged to. */
export function findPaymentMethodsByIds(em: EntityManager, ids: readonly string[]): Promise<PaymentMethod[]> {
  return findRowsIn(em, PaymentMethod, 'id', ids);
}

/**
 * Stores a card for `customerId`: validated here, tokenized by the processor, and kept only as
 * token, brand, last4 and expiry. Announces `payment.method_added` in the same transaction.
 */
export async function addPaymentMethod(
  em: EntityManager,
  processor: CardProcessor,
  customerId: string,
  input: CardInput,
  cause: EventCause,
): Promise<PaymentMethod> {
  const card = validateCard(input);
  // Before the transaction: no database connection is held while the processor answers.
  const { token, brand, last4 } = await processor.tokenize({
    number: card.number,
    expMonth: card.expMonth,
    expYear: card.expYear,
    cvc: card.cvc,
  });
  return em.transactional(async (tx) => {
    const method = Object.assign(new PaymentMethod(), {
      customerId,
      token,
      brand,
      last4,
      expMonth: card.expMonth,
      expYear: card.expYear,
    });
    tx.persist(method);
    recordEvent(tx, 'payment.method_added', { paymentMethodId: method.id, customerId }, { aggregateId: method.id, cause });
    return method;
  });
}

/**
 * Soft-deletes one of `customerId`'s cards and announces `payment.method_removed`. Another
 * customer's card reads as missing, so ids cannot be probed; removing a card twice is a no-op.
 */
export async function removePaymentMethod(em: EntityManager, customerId: string, id: string, cause: EventCause): Promise<void> {
  await em.transactional(async (tx) => {
    // Locked so two concurrent removals announce the removal once.
    const method = await tx.findOne(PaymentMethod, { id, customerId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!method) throw notFound('Payment method');
    if (method.removedAt) return;
    method.removedAt = new Date();
    recordEvent(tx, 'payment.method_removed', { paymentMethodId: method.id, customerId }, { aggregateId: method.id, cause });
  });
}
