import type { EntityManager } from '@mikro-orm/postgresql';
import { Payment } from '../entities/payment.entity.js';

/** At most one payment per order id (the column is unique); orders without one are simply absent. */
export function findPaymentsByOrderIds(em: EntityManager, orderIds: readonly string[]): Promise<Payment[]> {
  return em.find(Payment, { orderId: { $in: [...orderIds] } });
}

export function findPaymentsByIds(em: EntityManager, ids: readonly string[]): Promise<Payment[]> {
  return em.find(Payment, { id: { $in: [...ids] } });
}
