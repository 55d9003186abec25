import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { findRowsIn } from '../../../../lib/db/read-rows.js';
import { Payment, type PaymentStatus } from '../entities/payment.entity.js';

/** At most one payment per order id (the column is unique); orders without one are simply absent. */
export function findPaymentsByOrderIds(em: EntityManager, orderIds: readonly string[]): Promise<Payment[]> {
  return findRowsIn(em, Payment, 'orderId', orderIds);
}

export function findPaymentsByIds(em: EntityManager, ids: readonly string[]): Promise<Payment[]> {
  return findRowsIn(em, Payment, 'id', ids);
}

/**
 * The id of an order's payment, the same every time it is computed (an RFC 9562 version 8,
 * name-based UUID from SHA-256). Charge idempotency keys derive from it, so a payment request
 * handled again after a rolled-back attempt reuses the keys the processor already answered.
 */
export function paymentIdForOrder(orderId: string): string {
  const hash = createHash('sha256').update(`payment:${orderId.toLowerCase()}`).digest().subarray(0, 16);
  hash[6] = (hash[6] & 0x0f) | 0x80;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Statuses after which a payment request has nothing left to do. */
const SETTLED: ReadonlySet<PaymentStatus> = new Set(['CAPTURED', 'FAILED', 'REFUNDED', 'PARTIALLY_REFUNDED']);

export const isSettled = (payment: Pick<Payment, 'status'>): boolean => SETTLED.has(payment.status);

/** Statuses that still hold money that can go back to the customer. */
export const isRefundable = (payment: Payment): boolean =>
  payment.status === 'CAPTURED' || payment.status === 'PARTIALLY_REFUNDED';
