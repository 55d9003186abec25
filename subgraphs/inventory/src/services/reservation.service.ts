import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventData } from '../../../../lib/events/contracts/index.js';
import type { EventEnvelope } from '../../../../lib/events/envelope.js';
import { recordEvent } from '../../../../lib/events/record-event.js';
import { availableUnits, type Product } from '../entities/product.entity.js';
import { StockReservation } from '../entities/stock-reservation.entity.js';
import { lockProducts } from './product-locks.js';
import { recordMovement } from './stock-movement.service.js';

/*
 * The inventory steps of the order saga. Each runs inside the consumer's transaction (which also
 * records the event in the inbox): it only flushes, and anything it throws rolls the step back for
 * a redelivery. Each is also idempotent on its own, through reservation states and the unique
 * (order_id, product_id) index, should the same event ever get past the inbox twice.
 */

type OrderPlaced = EventEnvelope<EventData<'order.placed'>>;
type OrderPaid = EventEnvelope<EventData<'order.paid'>>;
type OrderEnded = EventEnvelope<EventData<'order.failed'> | EventData<'order.cancelled'>>;

/** Units per product: an order may list the same product on two lines. */
function unitsByProduct(lines: readonly { productId: string; quantity: number }[]): Map<string, number> {
  const units = new Map<string, number>();
  for (const { productId, quantity } of lines) {
    const id = productId.toLowerCase();
    units.set(id, (units.get(id) ?? 0) + quantity);
  }
  return units;
}

function productOf(products: Map<string, Product>, id: string): Product {
  const product = products.get(id);
  // Products are never deleted, so a reservation always has its product.
  if (!product) throw new Error(`Product ${id} of a stock reservation does not exist.`);
  return product;
}

/** The order's reservations, locked, so two steps of one order never interleave. */
function lockReservations(em: EntityManager, orderId: string): Promise<StockReservation[]> {
  return em.find(
    StockReservation,
    { orderId },
    { lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { productId: 'asc' }, refresh: true },
  );
}

/**
 * `order.placed`: reserves every line or none. The products are locked first (in id order), and
 * only then checked, so concurrent orders for the last units queue on the row and each sees what
 * the one before it left: stock is never promised twice.
 */
export async function reserveOrder(em: EntityManager, event: OrderPlaced): Promise<void> {
  const { orderId } = event.data;
  const wanted = unitsByProduct(event.data.lines);
  const products = await lockProducts(em, wanted.keys());
  // Asked under the locks, so a concurrent run of this same event that committed first is seen.
  if (await em.count(StockReservation, { orderId })) return;

  const reject = async (reason: 'OUT_OF_STOCK' | 'PRODUCT_UNAVAILABLE', productIds: string[]) => {
    recordEvent(em, 'inventory.stock_rejected', { orderId, reason, productIds }, { aggregateId: orderId, cause: event });
    await em.flush();
  };
  const unavailable = [...wanted.keys()].filter((id) => !products.get(id)?.active);
  if (unavailable.length) return reject('PRODUCT_UNAVAILABLE', unavailable);
  const short = [...wanted].filter(([id, quantity]) => availableUnits(productOf(products, id)) < quantity).map(([id]) => id);
  if (short.length) return reject('OUT_OF_STOCK', short);

  for (const [productId, quantity] of wanted) {
    productOf(products, productId).reserved += quantity;
    em.persist(Object.assign(new StockReservation(), { orderId, productId, quantity }));
    recordMovement(em, { productId, kind: 'RESERVE', reservedDelta: quantity, orderId });
  }
  const lines = [...wanted].map(([productId, quantity]) => ({ productId, quantity }));
  recordEvent(em, 'inventory.stock_reserved', { orderId, lines }, { aggregateId: orderId, cause: event });
  await em.flush();
}

/** `order.paid`: the held units leave the shelf: HELD → COMMITTED, on hand and reserved both drop. */
export async function commitOrder(em: EntityManager, event: OrderPaid): Promise<void> {
  const { orderId } = event.data;
  const held = (await lockReservations(em, orderId)).filter((r) => r.status === 'HELD');
  if (held.length === 0) return;
  const products = await lockProducts(em, held.map((r) => r.productId));
  for (const r of held) {
    const product = productOf(products, r.productId);
    product.stockQuantity -= r.quantity;
    product.reserved -= r.quantity;
    r.status = 'COMMITTED';
    recordMovement(em, { productId: r.productId, kind: 'COMMIT', quantityDelta: -r.quantity, reservedDelta: -r.quantity, orderId });
  }
  await em.flush();
}

/**
 * `order.failed` and `order.cancelled`: held units become available again (HELD → RELEASED); a
 * cancellation also puts committed units back on hand (COMMITTED → RESTOCKED).
 *
 * When the order holds nothing at all, its lines are still recorded as RELEASED: an `order.placed`
 * that arrives late (its first delivery failed and is being retried) then finds the order's
 * reservations and reserves nothing for an order that is already over.
 */
export async function releaseOrder(em: EntityManager, event: OrderEnded): Promise<void> {
  const { orderId } = event.data;
  const restock = event.type === 'order.cancelled';
  const reason = event.data.reason;
  const reservations = await lockReservations(em, orderId);
  if (reservations.length === 0) {
    for (const [productId, quantity] of unitsByProduct(event.data.lines)) {
      em.persist(Object.assign(new StockReservation(), { orderId, productId, quantity, status: 'RELEASED' }));
    }
    await em.flush();
    return;
  }

  const affected = reservations.filter((r) => r.status === 'HELD' || (restock && r.status === 'COMMITTED'));
  if (affected.length === 0) return;
  const products = await lockProducts(em, affected.map((r) => r.productId));
  for (const r of affected) {
    const product = productOf(products, r.productId);
    if (r.status === 'HELD') {
      product.reserved -= r.quantity;
      r.status = 'RELEASED';
      recordMovement(em, { productId: r.productId, kind: 'RELEASE', reservedDelta: -r.quantity, reason, orderId });
    } else {
      product.stockQuantity += r.quantity;
      r.status = 'RESTOCKED';
      recordMovement(em, { productId: r.productId, kind: 'RESTOCK', quantityDelta: r.quantity, reason, orderId });
    }
  }
  await em.flush();
}
