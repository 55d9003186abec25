import type { EntityManager } from '@mikro-orm/postgresql';
import { Refund } from '../entities/refund.entity.js';

/** Refunds of each payment, in the order they were made. */
export function findRefundsByPaymentIds(em: EntityManager, paymentIds: readonly string[]): Promise<Refund[]> {
  return em.find(Refund, { paymentId: { $in: [...paymentIds] } }, { orderBy: { createdAt: 'asc', id: 'asc' } });
}
