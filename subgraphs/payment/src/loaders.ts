import type { EntityManager } from '@mikro-orm/postgresql';
import { loaderById, loaderGroupedBy, type LoaderOptions } from '../../../lib/dataloader.js';
import { findActivePaymentMethodsByCustomerIds, findPaymentMethodsByIds } from './services/payment-method.service.js';
import { findPaymentsByIds, findPaymentsByOrderIds } from './services/payment.service.js';
import { findRefundsByPaymentIds } from './services/refund.service.js';

/**
 * Per-request loaders: each field below costs one SELECT per GraphQL request, however many
 * orders, payments or customers the gateway asks about.
 */
export function createLoaders(em: EntityManager, opts: LoaderOptions) {
  return {
    payment: loaderById((ids) => findPaymentsByIds(em, ids), (p) => p.id, opts),
    paymentByOrderId: loaderById((ids) => findPaymentsByOrderIds(em, ids), (p) => p.orderId, opts),
    paymentMethod: loaderById((ids) => findPaymentMethodsByIds(em, ids), (m) => m.id, opts),
    activePaymentMethodsByCustomerId: loaderGroupedBy(
      (ids) => findActivePaymentMethodsByCustomerIds(em, ids),
      (m) => m.customerId,
      opts,
    ),
    refundsByPaymentId: loaderGroupedBy((ids) => findRefundsByPaymentIds(em, ids), (r) => r.paymentId, opts),
  };
}
export type PaymentLoaders = ReturnType<typeof createLoaders>;
