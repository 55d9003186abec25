import { createHash } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { requireIdentity, type Identity } from '../../../../lib/auth/identity.js';
import { recordEvent } from '../../../../lib/events/record-event.js';
import { AppError, ErrorCode, badInput } from '../../../../lib/errors.js';
import { isUuid } from '../../../../lib/ids.js';
import { Customer } from '../entities/customer.entity.js';
import { OrderItem } from '../entities/order-item.entity.js';
import { Order } from '../entities/order.entity.js';
import { PaymentMethodRef } from '../entities/payment-method-ref.entity.js';
import { ProductPrice } from '../entities/product-price.entity.js';
import { factsOf, recordPlaced } from './order-transitions.js';

const PlaceOrderInput = z.object({
  items: z
    .array(
      z.object({
        productId: z.string().refine(isUuid, 'productId must be a UUID'),
        quantity: z.number().int('quantity must be a whole number').min(1, 'quantity must be at least 1').max(1000, 'quantity may be at most 1000'),
      }),
    )
    .min(1, 'an order needs at least one line')
    .max(50, 'an order may have at most 50 lines'),
  paymentMethodId: z.string().refine(isUuid, 'paymentMethodId must be a UUID'),
});
export type PlaceOrderInput = z.input<typeof PlaceOrderInput>;

const requestHash = (input: z.output<typeof PlaceOrderInput>) =>
  createHash('sha256').update(JSON.stringify([input.paymentMethodId, input.items.map((i) => [i.productId, i.quantity])])).digest('hex');

async function replay(em: EntityManager, customerId: string, key: string, hash: string): Promise<Order | null> {
  const existing = await em.findOne(Order, { customerId, idempotencyKey: key });
  if (!existing) return null;
  if (existing.requestHash !== hash) {
    throw new AppError(ErrorCode.IDEMPOTENCY_KEY_REUSED, 'This idempotency key was used for a different order; use a new key for a new order.');
  }
  return existing;
}

/**
 * Places an order PENDING, priced from the service's own copy of product prices. The order, its
 * lines, its history and `order.placed` commit together; the saga continues from the event.
 * Idempotent per (customer, key): a retry returns the first order, even when retries race.
 */
export async function placeOrder(em: EntityManager, identity: Identity | null, rawInput: PlaceOrderInput, idempotencyKey: string, requestId: string): Promise<Order> {
  const who = requireIdentity(identity);
  const key = idempotencyKey.trim();
  if (key.length < 1 || key.length > 200) throw badInput('idempotencyKey must have 1 to 200 characters.', { field: 'idempotencyKey' });
  const parsed = PlaceOrderInput.safeParse(rawInput);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw badInput(issue.message, { field: issue.path.join('.') });
  }
  const input = { ...parsed.data, paymentMethodId: parsed.data.paymentMethodId.toLowerCase(), items: parsed.data.items.map((i) => ({ ...i, productId: i.productId.toLowerCase() })) };
  const hash = requestHash(input);

  // Everything placing needs is read at once, the replay check included: a first placement (the
  // common case) then waits one round trip, not four.
  const productIds = [...new Set(input.items.map((i) => i.productId))];
  const [previous, prices, method, customer] = await Promise.all([
    replay(em, who.customerId, key, hash),
    em.find(ProductPrice, { productId: { $in: productIds } }),
    em.findOne(PaymentMethodRef, { id: input.paymentMethodId }),
    em.findOneOrFail(Customer, who.customerId),
  ]);
  if (previous) return previous;
  const priceOf = new Map(prices.map((p) => [p.productId, p]));
  for (const [index, line] of input.items.entries()) {
    const price = priceOf.get(line.productId);
    if (!price || !price.active) throw badInput(`Product ${line.productId} is not available.`, { field: `items.${index}.productId` });
  }
  if (!method || method.removed || method.customerId !== who.customerId) {
    throw new AppError(ErrorCode.PAYMENT_METHOD_INVALID, 'The payment method is not one of your cards.', { field: 'paymentMethodId' });
  }

  const lines = input.items.map((l, position) =>
    Object.assign(new OrderItem(), { productId: l.productId, quantity: l.quantity, unitPriceCents: priceOf.get(l.productId)!.priceCents, position }),
  );
  try {
    // One flush at the end of the transaction writes the order, its lines, its history and both events.
    return await em.transactional(async (tx) => {
      const order = tx.create(Order, {
        customerId: who.customerId,
        totalCents: lines.reduce((sum, l) => sum + l.unitPriceCents * l.quantity, 0),
        paymentMethodId: input.paymentMethodId,
        idempotencyKey: key,
        requestHash: hash,
      });
      for (const line of lines) tx.persist(Object.assign(line, { orderId: order.id }));
      const cause = { requestId };
      recordPlaced(tx, order, cause);
      const facts = factsOf(order, customer, lines);
      recordEvent(tx, 'order.placed', { ...facts.ref, lines: facts.lines, totalCents: facts.totalCents, paymentMethodId: order.paymentMethodId }, { aggregateId: order.id, cause });
      return order;
    });
  } catch (err) {
    // A concurrent retry with the same key committed first: answer with its order.
    if (err instanceof UniqueConstraintViolationException) {
      const winner = await replay(em.fork(), who.customerId, key, hash);
      if (winner) return winner;
    }
    throw err;
  }
}
