import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from '../lib/testing/stack.js';
import { waitFor } from '../lib/testing/wait.js';
import { StockReservation } from '../subgraphs/inventory/src/entities/stock-reservation.entity.js';
import { OrderStatusChange } from '../subgraphs/order/src/entities/order-status-change.entity.js';
import { PaymentTransaction } from '../subgraphs/payment/src/entities/payment-transaction.entity.js';
import { Payment } from '../subgraphs/payment/src/entities/payment.entity.js';
import { addCard, CARDS, createProduct, placeOrder, productStock, storedStock, waitForStatus, waitForStatuses } from './saga-helpers.js';

const ORDER_DETAIL = `query($id: ID!) {
  order(id: $id) { status failureReason statusHistory { status } payment { id status attempts failureCode refundedAmount { cents } } }
}`;

describe('the order saga over NATS JetStream', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const transactionsOf = (paymentId: string) => stack.subgraphs.payment.db.orm.em.fork().find(PaymentTransaction, { paymentId });

  it('happy path: PAID, stock on hand drops, one authorization, history PENDING → RESERVED → PAID', async () => {
    const customer = await stack.registerCustomer();
    const card = await addCard(stack, customer.token, CARDS.ok);
    const product = await createProduct(stack, { name: 'Happy Kettle', priceCents: 3500, stock: 10 });

    const placed = await placeOrder(stack, customer.token, [{ productId: product.id, quantity: 3 }], card);
    expect(placed.errors).toBeUndefined();
    expect(placed.data.placeOrder).toMatchObject({ status: 'PENDING', total: { cents: 10500 } });

    const done = await waitForStatus(stack, customer.token, placed.data.placeOrder.id);
    expect(done.status).toBe('PAID');
    const detail = (await stack.query(ORDER_DETAIL, { id: done.id }, customer.token)).data.order;
    expect(detail.statusHistory.map((h: { status: string }) => h.status)).toEqual(['PENDING', 'RESERVED', 'PAID']);
    expect(detail.payment).toMatchObject({ status: 'CAPTURED', attempts: 1, failureCode: null });
    const authorizations = (await transactionsOf(detail.payment.id)).filter((t) => t.kind === 'AUTHORIZE');
    expect(authorizations).toHaveLength(1);

    await waitFor('stock to be committed', async () => ((await productStock(stack, product.id)).reserved === 0 ? true : undefined));
    expect(await productStock(stack, product.id)).toEqual({ stockQuantity: 7, reserved: 0, available: 7 });
  });

  it('placing an order costs the order service two statements (read, then write everything at once) and no other service any', async () => {
    const customer = await stack.registerCustomer();
    const card = await addCard(stack, customer.token, CARDS.ok);
    const products = [await createProduct(stack, { name: 'Cheap Mug', priceCents: 900, stock: 10 }), await createProduct(stack, { name: 'Cheap Plate', priceCents: 700, stock: 10 })];

    stack.resetSqlCounts();
    const placed = await placeOrder(stack, customer.token, products.map((p) => ({ productId: p.id, quantity: 2 })), card);
    expect(placed.errors).toBeUndefined();
    expect(stack.sqlCounts()).toEqual({ order: 2, inventory: 0, payment: 0, notification: 0 });
    expect((await waitForStatus(stack, customer.token, placed.data.placeOrder.id)).status).toBe('PAID');
  });

  it('declined card: exactly two attempts, FAILED with PAYMENT_DECLINED, stock back where it was', async () => {
    const customer = await stack.registerCustomer();
    const card = await addCard(stack, customer.token, CARDS.declined);
    const product = await createProduct(stack, { name: 'Declined Toaster', priceCents: 2000, stock: 5 });

    const placed = await placeOrder(stack, customer.token, [{ productId: product.id, quantity: 2 }], card);
    const done = await waitForStatus(stack, customer.token, placed.data.placeOrder.id);
    expect(done).toMatchObject({ status: 'FAILED', failureReason: 'PAYMENT_DECLINED' });
    const detail = (await stack.query(ORDER_DETAIL, { id: done.id }, customer.token)).data.order;
    expect(detail.payment).toMatchObject({ status: 'FAILED', attempts: 2, failureCode: 'PAYMENT_DECLINED' });
    await waitFor('stock to be released', async () => ((await productStock(stack, product.id)).reserved === 0 ? true : undefined));
    expect(await productStock(stack, product.id)).toEqual({ stockQuantity: 5, reserved: 0, available: 5 });
  });

  it('insufficient funds: one attempt, FAILED, stock restored', async () => {
    const customer = await stack.registerCustomer();
    const card = await addCard(stack, customer.token, CARDS.insufficientFunds);
    const product = await createProduct(stack, { name: 'Costly Clock', priceCents: 99000, stock: 2 });

    const placed = await placeOrder(stack, customer.token, [{ productId: product.id, quantity: 1 }], card);
    const done = await waitForStatus(stack, customer.token, placed.data.placeOrder.id);
    expect(done).toMatchObject({ status: 'FAILED', failureReason: 'INSUFFICIENT_FUNDS' });
    const detail = (await stack.query(ORDER_DETAIL, { id: done.id }, customer.token)).data.order;
    expect(detail.payment).toMatchObject({ status: 'FAILED', attempts: 1, failureCode: 'INSUFFICIENT_FUNDS' });
    await waitFor('stock to be released', async () => ((await productStock(stack, product.id)).reserved === 0 ? true : undefined));
    expect(await productStock(stack, product.id)).toEqual({ stockQuantity: 2, reserved: 0, available: 2 });
  });

  it('out of stock: FAILED with OUT_OF_STOCK, no payment attempted, no other line touched', async () => {
    const customer = await stack.registerCustomer();
    const card = await addCard(stack, customer.token);
    const plenty = await createProduct(stack, { name: 'Plenty Pens', priceCents: 150, stock: 100 });
    const scarce = await createProduct(stack, { name: 'Scarce Stamps', priceCents: 900, stock: 1 });

    const placed = await placeOrder(stack, customer.token, [{ productId: plenty.id, quantity: 5 }, { productId: scarce.id, quantity: 2 }], card);
    const done = await waitForStatus(stack, customer.token, placed.data.placeOrder.id);
    expect(done).toMatchObject({ status: 'FAILED', failureReason: 'OUT_OF_STOCK' });
    const detail = (await stack.query(ORDER_DETAIL, { id: done.id }, customer.token)).data.order;
    expect(detail.payment).toBeNull();
    expect(await stack.subgraphs.payment.db.orm.em.fork().count(Payment, { orderId: done.id })).toBe(0);
    expect(await productStock(stack, plenty.id)).toEqual({ stockQuantity: 100, reserved: 0, available: 100 });
    expect(await productStock(stack, scarce.id)).toEqual({ stockQuantity: 1, reserved: 0, available: 1 });
  });

  it('200 concurrent orders for one product with 50 in stock: 50 PAID, 150 FAILED, stock 0, never negative', async () => {
    const product = await createProduct(stack, { name: 'Limited Sneaker', priceCents: 12000, stock: 50 });
    const buyers = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const c = await stack.registerCustomer();
        return { ...c, card: await addCard(stack, c.token) };
      }),
    );

    // Sampled from the inventory database, and the orders awaited with one query per look: 200
    // pollers through the gateway every 50 ms cost the process more than the saga under test.
    let lowest = Number.POSITIVE_INFINITY;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const s = await storedStock(stack, product.id);
        lowest = Math.min(lowest, s.stockQuantity, s.available);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();

    const placed = await Promise.all(
      Array.from({ length: 200 }, (_, i) => {
        const b = buyers[i % buyers.length];
        return placeOrder(stack, b.token, [{ productId: product.id, quantity: 1 }], b.card);
      }),
    );
    let finals: Awaited<ReturnType<typeof waitForStatuses>>;
    try {
      expect(placed.filter((res) => res.errors)).toEqual([]);
      finals = await waitForStatuses(stack, placed.map((res) => res.data.placeOrder.id as string));
    } finally {
      // Stopped on failure too, or it would go on sampling a stack that is shutting down.
      sampling = false;
      await sampler;
    }

    const count = (s: string) => finals.filter((f) => f.status === s).length;
    expect({ paid: count('PAID'), failed: count('FAILED') }).toEqual({ paid: 50, failed: 150 });
    expect(finals.filter((f) => f.status === 'FAILED').every((f) => f.failureReason === 'OUT_OF_STOCK')).toBe(true);
    await waitFor('the last commits', async () => ((await productStock(stack, product.id)).reserved === 0 ? true : undefined));
    expect(await productStock(stack, product.id)).toEqual({ stockQuantity: 0, reserved: 0, available: 0 });
    expect(lowest).toBeGreaterThanOrEqual(0);
  }, 120_000);

  it('placeOrder replayed ten times at once with one key makes one order; other input with that key is refused', async () => {
    const customer = await stack.registerCustomer();
    const card = await addCard(stack, customer.token);
    const product = await createProduct(stack, { name: 'Replay Radio', priceCents: 4200, stock: 20 });
    const key = randomUUID();

    const results = await Promise.all(Array.from({ length: 10 }, () => placeOrder(stack, customer.token, [{ productId: product.id, quantity: 1 }], card, key)));
    expect(results.filter((r) => r.errors)).toEqual([]);
    const ids = new Set(results.map((r) => r.data.placeOrder.id));
    expect(ids.size).toBe(1);
    const list = await stack.query(`{ orders(first: 50) { totalCount } }`, {}, customer.token);
    expect(list.data.orders.totalCount).toBe(1);

    const reused = await placeOrder(stack, customer.token, [{ productId: product.id, quantity: 2 }], card, key);
    expect(reused.errors?.[0].extensions?.code).toBe('IDEMPOTENCY_KEY_REUSED');

    await waitForStatus(stack, customer.token, [...ids][0], ['PAID']);
    // PAID is the order service's view; inventory commits the reservation a moment later.
    await waitFor('the one order to be committed', async () => ((await productStock(stack, product.id)).reserved === 0 ? true : undefined));
    expect((await productStock(stack, product.id)).stockQuantity).toBe(19);
  });

  it('cancel after PAID: refund recorded, stock restored, status CANCELLED', async () => {
    const customer = await stack.registerCustomer();
    const card = await addCard(stack, customer.token);
    const product = await createProduct(stack, { name: 'Regret Rug', priceCents: 15000, stock: 4 });
    const placed = await placeOrder(stack, customer.token, [{ productId: product.id, quantity: 2 }], card);
    const orderId = placed.data.placeOrder.id;
    await waitForStatus(stack, customer.token, orderId, ['PAID']);
    await waitFor('stock to be committed', async () => ((await productStock(stack, product.id)).stockQuantity === 2 ? true : undefined));

    const cancelled = await stack.query(`mutation($id: ID!) { cancelOrder(id: $id, reason: "changed my mind") { status } }`, { id: orderId }, customer.token);
    expect(cancelled.data.cancelOrder.status).toBe('CANCELLED');

    const refunded = await waitFor('the refund', async () => {
      const order = (await stack.query(ORDER_DETAIL, { id: orderId }, customer.token)).data.order;
      return order.payment.status === 'REFUNDED' ? order : undefined;
    });
    expect(refunded.payment.refundedAmount.cents).toBe(30000);
    expect(refunded.statusHistory.map((h: { status: string }) => h.status)).toEqual(['PENDING', 'RESERVED', 'PAID', 'CANCELLED']);
    await waitFor('stock to be restocked', async () => ((await productStock(stack, product.id)).stockQuantity === 4 ? true : undefined));

    const again = await stack.query(`mutation($id: ID!) { cancelOrder(id: $id) { status } }`, { id: orderId }, customer.token);
    expect(again.errors?.[0].extensions?.code).toBe('CONFLICT');
  });

  it('every consumer given the same event five times has exactly one effect', async () => {
    const customer = await stack.registerCustomer();
    const card = await addCard(stack, customer.token);
    const product = await createProduct(stack, { name: 'Echo Speaker', priceCents: 8000, stock: 30 });
    const placed = await placeOrder(stack, customer.token, [{ productId: product.id, quantity: 1 }], card);
    const orderId = placed.data.placeOrder.id;
    await waitForStatus(stack, customer.token, orderId, ['PAID']);
    await waitFor('stock to be committed', async () => ((await productStock(stack, product.id)).reserved === 0 ? true : undefined));

    // Every event of this order's saga that a service consumes, as the outboxes stored them.
    const consumed = ['order.placed', 'inventory.stock_reserved', 'order.payment_requested', 'payment.succeeded', 'order.paid'];
    const envelopes = (
      await Promise.all(
        (['order', 'inventory', 'payment'] as const).map((s) =>
          stack.subgraphs[s].db.orm.em.getConnection().execute<{ envelope: { id: string; type: string } }[]>(
            "select envelope from outbox_events where envelope->'data'->>'orderId' = ? and type = any(array[?]) order by created_at",
            [orderId, consumed],
          ),
        ),
      )
    ).flat().map((r) => r.envelope);
    expect(envelopes.map((e) => e.type).sort()).toEqual([...consumed].sort());

    const before = {
      history: await stack.subgraphs.order.db.orm.em.fork().count(OrderStatusChange, { orderId }),
      reservations: await stack.subgraphs.inventory.db.orm.em.fork().count(StockReservation, { orderId }),
      payments: await stack.subgraphs.payment.db.orm.em.fork().count(Payment, { orderId }),
      stock: await productStock(stack, product.id),
    };
    const handledBefore = Object.fromEntries((['order', 'inventory', 'payment'] as const).map((s) => [s, stack.subgraphs[s].messaging!.consumers!.stats.duplicates]));

    // Re-publish each one five times under fresh message ids, so JetStream stores and delivers every copy.
    for (const envelope of envelopes) {
      for (let i = 0; i < 5; i++) {
        await stack.bus.js.publish(stack.bus.subject(envelope.type), JSON.stringify(envelope), { msgID: randomUUID() });
      }
    }
    await waitFor('the copies to be consumed', async () => {
      const dupes = (['order', 'inventory', 'payment'] as const).reduce((n, s) => n + stack.subgraphs[s].messaging!.consumers!.stats.duplicates - handledBefore[s], 0);
      return dupes >= envelopes.length * 5 ? true : undefined;
    });

    expect({
      history: await stack.subgraphs.order.db.orm.em.fork().count(OrderStatusChange, { orderId }),
      reservations: await stack.subgraphs.inventory.db.orm.em.fork().count(StockReservation, { orderId }),
      payments: await stack.subgraphs.payment.db.orm.em.fork().count(Payment, { orderId }),
      stock: await productStock(stack, product.id),
    }).toEqual(before);
    const payment = await stack.subgraphs.payment.db.orm.em.fork().findOneOrFail(Payment, { orderId });
    expect((await transactionsOf(payment.id)).filter((t) => t.kind === 'AUTHORIZE')).toHaveLength(1);
  });

  it('an event committed but not published (relay down, as after a crash) is published exactly once after restart', async () => {
    const customer = await stack.registerCustomer();
    const card = await addCard(stack, customer.token);
    const product = await createProduct(stack, { name: 'Crash Cushion', priceCents: 2500, stock: 10 });

    const order = stack.subgraphs.order.messaging!;
    await order.relay!.stop();
    const placed = await placeOrder(stack, customer.token, [{ productId: product.id, quantity: 1 }], card);
    const orderId = placed.data.placeOrder.id;
    const conn = stack.subgraphs.order.db.orm.em.getConnection();
    const pending = await conn.execute<{ id: string }[]>("select id from outbox_events where aggregate_id = ? and type = 'order.placed' and published_at is null", [orderId]);
    expect(pending).toHaveLength(1);

    // Publish, then forget that we did (a crash between publishing and marking): the restart publishes it again.
    await order.relay!.flush();
    await conn.execute('update outbox_events set published_at = null where id = ?', [pending[0].id]);
    await order.relay!.start();
    await waitForStatus(stack, customer.token, orderId, ['PAID']);

    const info = await stack.bus.jsm.streams.info(stack.bus.eventsStream, { subjects_filter: stack.bus.subject('order.placed') });
    const copies = await countMessagesWithId(stack, 'order.placed', pending[0].id, info.state.messages);
    expect(copies).toBe(1);
    expect((await productStock(stack, product.id)).stockQuantity).toBe(9);
  });
});

/** Reads every stored message of one subject and counts those carrying event `id`. */
async function countMessagesWithId(stack: TestStack, type: string, id: string, total: number): Promise<number> {
  const consumer = await stack.bus.js.consumers.get(stack.bus.eventsStream, { filterSubjects: stack.bus.subject(type) });
  let seen = 0;
  let matches = 0;
  while (seen < total) {
    const msg = await consumer.next({ expires: 2000 });
    if (!msg) break;
    seen++;
    if ((JSON.parse(msg.string()) as { id: string }).id === id) matches++;
  }
  return matches;
}
