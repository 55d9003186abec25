import type { EventHandlers } from '../../../../lib/events/handlers.js';
import { PaymentMethodRef } from '../entities/payment-method-ref.entity.js';
import { ProductPrice } from '../entities/product-price.entity.js';

/**
 * Keeps the order service's copies of other services' facts current: product prices (so pricing an
 * order needs no call to inventory) and which cards belong to whom (so placing an order needs none
 * to payment).
 */
export const replicaHandlers: EventHandlers = {
  'inventory.product_created': (em, event) => upsertPrice(em, event.data, new Date(event.occurredAt)),
  'inventory.product_updated': (em, event) => upsertPrice(em, event.data, new Date(event.occurredAt)),
  'payment.method_added': async (em, event) => {
    await em.upsert(PaymentMethodRef, { id: event.data.paymentMethodId, customerId: event.data.customerId, removed: false });
  },
  'payment.method_removed': async (em, event) => {
    await em.upsert(PaymentMethodRef, { id: event.data.paymentMethodId, customerId: event.data.customerId, removed: true });
  },
};

async function upsertPrice(
  em: Parameters<NonNullable<EventHandlers['inventory.product_created']>>[0],
  p: { productId: string; sku: string; name: string; priceCents: number; active: boolean },
  sourceAt: Date,
): Promise<void> {
  // Events of one product may be handled out of order: keep whichever is newest.
  await em.getConnection().execute(
    `insert into product_prices (product_id, sku, name, price_cents, active, source_at) values (?, ?, ?, ?, ?, ?)
     on conflict (product_id) do update set sku = excluded.sku, name = excluded.name, price_cents = excluded.price_cents,
       active = excluded.active, source_at = excluded.source_at
     where product_prices.source_at <= excluded.source_at`,
    [p.productId, p.sku, p.name, p.priceCents, p.active, sourceAt],
    'run',
    em.getTransactionContext(),
  );
}
