import type { EntityManager } from '@mikro-orm/postgresql';
import { PaymentMethod } from '../entities/payment-method.entity.js';

/** The cards each customer can still pay with, oldest first. */
export function findActivePaymentMethodsByCustomerIds(
  em: EntityManager,
  customerIds: readonly string[],
): Promise<PaymentMethod[]> {
  return em.find(
    PaymentMethod,
    { customerId: { $in: [...customerIds] }, removedAt: null },
    { orderBy: { createdAt: 'asc', id: 'asc' } },
  );
}

/** Removed methods included: a past payment still shows the card it was charged to. */
export function findPaymentMethodsByIds(em: EntityManager, ids: readonly string[]): Promise<PaymentMethod[]> {
  return em.find(PaymentMethod, { id: { $in: [...ids] } });
}
