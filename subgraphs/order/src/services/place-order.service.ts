import { createHash } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { requireIdentity, type Identity } from '../../../../lib/auth/identity.js';
import { runSql, valuesList, type SqlStatement } from '../../../../lib/db/sql.js';
import { newEvent, writeEvents } from '../../../../lib/events/record-event.js';
import { AppError, ErrorCode, badInput, notFound } from '../../../../lib/errors.js';
import { isUuid } from '../../../../lib/ids.js';
import { OrderItem } from '../entities/order-item.entity.js';
import { Order } from '../entities/order.entity.js';
import { factsOf, placedRecords } from './order-transitions.js';

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

/** A retry gets the order first placed with its key; other input under that key is refused. */
function assertSameRequest(previousHash: string, hash: string): void {
  if (previousHash !== hash) {
    throw new AppError(ErrorCode.IDEMPOTENCY_KEY_REUSED, 'This idempotency key was used for a different order; use a new key for a new order.');
  }
}

interface PlacingFacts {
  email: string;
  name: string;
  method_owner: string | null;
  method_removed: boolean | null;
  previous_id: string | null;
  previous_hash: string | null;
  prices: { productId: string; priceCents: number; active: boolean }[] | null;
}

/**
 * Everything placing needs, in one statement: the customer (their name and address go into the
 * events), their card, the prices of the products, and an order already placed with this key.
 */
function placingFacts(em: EntityManager, customerId: string, key: string, paymentMethodId: string, productIds: string[]) {
  return runSql<PlacingFacts, 'get'>(
    em,
    `select c.email, c.name, m.customer_id as method_owner, m.removed as method_removed,
            o.id as previous_id, o.request_hash as previous_hash,
            (select json_agg(json_build_object('productId', p.product_id, 'priceCents', p.price_cents, 'active', p.active))
               from product_prices p where p.product_id = any(array[?]::uuid[])) as prices
       from customers c
       left join payment_method_refs m on m.id = ?
       left join orders o on o.customer_id = c.id and o.idempotency_key = ?
      where c.id = ?`,
    [productIds, paymentMethodId, key, customerId],
    'get',
  );
}

/** The statements that insert a new order and its lines, for `writeEvents` to run with its events. */
function orderRows(order: Order, lines: OrderItem[]): SqlStatement[] {
  const items = valuesList(lines.map((l) => [l.id, order.id, l.productId, l.quantity, l.unitPriceCents, l.position]));
  return [
    {
      sql: `insert into orders (id, customer_id, status, total_cents, payment_method_id, idempotency_key, request_hash, status_sequence, placed_at, updated_at)
            values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      params: [order.id, order.customerId, order.status, order.totalCents, order.paymentMethodId, order.idempotencyKey, order.requestHash, order.statusSequence, order.placedAt, order.updatedAt],
    },
    { sql: `insert into order_items (id, order_id, product_id, quantity, unit_price_cents, position) values ${items.sql}`, params: items.params },
  ];
}

/**
 * Places an order PENDING, priced from the service's own copy of product prices. The order, its
 * lines, its history and `order.placed` commit together; the saga continues from the event.
 * Idempotent per (customer, key): a retry returns the first order, even when retries race.
 *
 * Two statements in all, on the path every order takes: one reads, one writes (it commits on its
 * own, so no transaction is opened around it).
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

  const productIds = [...new Set(input.items.map((i) => i.productId))];
  const facts = await placingFacts(em, who.customerId, key, input.paymentMethodId, productIds);
  if (!facts) throw notFound('Customer');
  if (facts.previous_id) {
    assertSameRequest(facts.previous_hash!, hash);
    return em.findOneOrFail(Order, facts.previous_id);
  }
  const priceOf = new Map((facts.prices ?? []).map((p) => [p.productId, p]));
  for (const [index, line] of input.items.entries()) {
    const price = priceOf.get(line.productId);
    if (!price || !price.active) throw badInput(`Product ${line.productId} is not available.`, { field: `items.${index}.productId` });
  }
  if (facts.method_owner !== who.customerId || facts.method_removed) {
    throw new AppError(ErrorCode.PAYMENT_METHOD_INVALID, 'The payment method is not one of your cards.', { field: 'paymentMethodId' });
  }

  const lines = input.items.map((l, position) =>
    Object.assign(new OrderItem(), { productId: l.productId, quantity: l.quantity, unitPriceCents: priceOf.get(l.productId)!.priceCents, position }),
  );
  // Not managed by `em`: written with SQL below, and only read by the resolvers.
  const order = Object.assign(new Order(), {
    customerId: who.customerId,
    totalCents: lines.reduce((sum, l) => sum + l.unitPriceCents * l.quantity, 0),
    paymentMethodId: input.paymentMethodId,
    idempotencyKey: key,
    requestHash: hash,
  });
  for (const line of lines) line.orderId = order.id;
  const cause = { requestId };
  const { history, statusChanged } = placedRecords(order, cause);
  const { ref, lines: eventLines, totalCents } = factsOf(order, facts, lines);
  const placed = newEvent('order.placed', { ...ref, lines: eventLines, totalCents, paymentMethodId: order.paymentMethodId }, { aggregateId: order.id, cause });
  try {
    await writeEvents(em, [statusChanged, placed], [...orderRows(order, lines), history]);
    return order;
  } catch (err) {
    // A concurrent retry with the same key committed first: answer with its order.
    if (err instanceof UniqueConstraintViolationException) {
      const winner = await em.fork().findOne(Order, { customerId: who.customerId, idempotencyKey: key });
      if (winner) {
        assertSameRequest(winner.requestHash, hash);
        return winner;
      }
    }
    throw err;
  }
}
