import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../lib/errors.js';
import { EVENTS, type EventData, type EventType } from '../../../lib/events/contracts/index.js';
import { EnvelopeSchema, type EventEnvelope } from '../../../lib/events/envelope.js';
import type { StepTx } from '../../../lib/db/step-tx.js';
import { runStep } from '../../../lib/testing/run-step.js';
import { useTestDatabase } from '../../../lib/testing/test-orm.js';
import { ormOptions } from './db.js';
import { Product } from './entities/product.entity.js';
import { StockMovement } from './entities/stock-movement.entity.js';
import { StockReservation, type ReservationStatus } from './entities/stock-reservation.entity.js';
import { inventorySteps } from './events/handlers.js';
import { createLoaders } from './loaders.js';
import { adjustStock, createProduct, updateProduct } from './services/catalog.service.js';
import { commitOrder, releaseOrder, reserveOrder } from './services/reservation.service.js';

const db = useTestDatabase('inventory', ormOptions);

const fork = () => db.orm.em.fork() as EntityManager;

// ---- fake but valid events, as the order service would send them ----

type Line = { productId: string; quantity: number };

/** An envelope that passes the same validation the consumer applies. */
function envelope<T extends EventType>(type: T, orderId: string, data: EventData<T>): EventEnvelope<EventData<T>> {
  const event = {
    id: randomUUID(),
    type,
    occurredAt: new Date().toISOString(),
    aggregateId: orderId,
    correlationId: `corr-${orderId}`,
    causationId: randomUUID(),
    data: EVENTS[type].schema.parse(data) as EventData<T>,
  };
  EnvelopeSchema.parse(event);
  return event;
}

const customer = () => ({ customerId: randomUUID(), customerEmail: 'ada@example.test', customerName: 'Ada' });
const priced = (lines: Line[]) => lines.map((l) => ({ ...l, unitPriceCents: 1000 }));
const total = (lines: Line[]) => lines.reduce((sum, l) => sum + l.quantity * 1000, 0);

const placed = (orderId: string, lines: Line[]) =>
  envelope('order.placed', orderId, { orderId, ...customer(), lines: priced(lines), totalCents: total(lines), paymentMethodId: randomUUID() });
const paid = (orderId: string, lines: Line[]) =>
  envelope('order.paid', orderId, { orderId, ...customer(), lines: priced(lines), totalCents: total(lines), paymentId: randomUUID() });
const failed = (orderId: string, lines: Line[]) =>
  envelope('order.failed', orderId, { orderId, ...customer(), reason: 'PAYMENT_DECLINED', lines: priced(lines), totalCents: total(lines) });
const cancelled = (orderId: string, lines: Line[], previousStatus: 'PENDING' | 'RESERVED' | 'PAID') =>
  envelope('order.cancelled', orderId, {
    orderId,
    ...customer(),
    reason: 'changed my mind',
    previousStatus,
    lines: priced(lines),
    totalCents: total(lines),
  });

/** Runs a step the way the consumer does, in a step transaction of its own; resolves to its round trips. */
const handle = <E extends EventEnvelope>(step: (tx: StepTx, event: E) => Promise<void>, event: E) => runStep(db.orm, step, event);

// ---- reading state back, always through a fresh EntityManager ----

let skuCounter = 0;
const requestCause = () => ({ requestId: `req-${randomUUID()}` });

async function newProduct(stockQuantity: number, extra: { active?: boolean } = {}): Promise<Product> {
  const product = await createProduct(fork(), { sku: `T-${++skuCounter}-${randomUUID().slice(0, 6)}`, name: `Test ${skuCounter}`, priceCents: 1000, stockQuantity }, requestCause());
  if (extra.active === false) await updateProduct(fork(), product.id, { active: false }, requestCause());
  return product;
}

const stockOf = async (id: string) => {
  const p = await fork().findOneOrFail(Product, id);
  return { stockQuantity: p.stockQuantity, reserved: p.reserved };
};
const reservationsOf = async (orderId: string) =>
  (await fork().find(StockReservation, { orderId }, { orderBy: { productId: 'asc' } })).map((r) => ({ productId: r.productId, quantity: r.quantity, status: r.status }));
const statusesOf = async (orderId: string): Promise<ReservationStatus[]> => (await reservationsOf(orderId)).map((r) => r.status);
const movementsOf = (productId: string) => fork().find(StockMovement, { productId }, { orderBy: { createdAt: 'asc', id: 'asc' } });

interface OutboxRow {
  type: string;
  aggregate_id: string;
  envelope: EventEnvelope<any>;
}
const outbox = (aggregateId: string, type?: string) =>
  fork()
    .getConnection()
    .execute<OutboxRow[]>(
      `select type, aggregate_id, envelope from outbox_events where aggregate_id = ? ${type ? 'and type = ?' : ''} order by created_at, id`,
      type ? [aggregateId, type] : [aggregateId],
    );

describe('reserving an order (order.placed)', () => {
  it('reserves every line, records HELD reservations, RESERVE movements and inventory.stock_reserved', async () => {
    const [a, b] = [await newProduct(10), await newProduct(5)];
    const orderId = randomUUID();
    const event = placed(orderId, [
      { productId: a.id, quantity: 2 },
      { productId: b.id, quantity: 1 },
      { productId: a.id, quantity: 3 },
    ]);
    await handle(reserveOrder, event);

    expect(await stockOf(a.id)).toEqual({ stockQuantity: 10, reserved: 5 });
    expect(await stockOf(b.id)).toEqual({ stockQuantity: 5, reserved: 1 });
    // Two lines of one product become one reservation.
    expect((await reservationsOf(orderId)).sort((x, y) => x.quantity - y.quantity)).toEqual([
      { productId: b.id, quantity: 1, status: 'HELD' },
      { productId: a.id, quantity: 5, status: 'HELD' },
    ]);
    expect((await movementsOf(a.id)).map((m) => [m.kind, m.quantityDelta, m.reservedDelta, m.orderId])).toEqual([
      ['CREATE', 10, 0, null],
      ['RESERVE', 0, 5, orderId],
    ]);
    const [reserved] = await outbox(orderId);
    expect(reserved.type).toBe('inventory.stock_reserved');
    expect(reserved.envelope.data).toEqual({ orderId, lines: [{ productId: a.id, quantity: 5 }, { productId: b.id, quantity: 1 }] });
    // The saga can be followed: same correlation, caused by the order.placed event.
    expect(reserved.envelope.correlationId).toBe(event.correlationId);
    expect(reserved.envelope.causationId).toBe(event.id);
  });

  it('is all or nothing: one line short leaves every line unreserved and records stock_rejected', async () => {
    const [plenty, scarce] = [await newProduct(100), await newProduct(2)];
    const orderId = randomUUID();
    await handle(reserveOrder, placed(orderId, [
      { productId: plenty.id, quantity: 5 },
      { productId: scarce.id, quantity: 3 },
    ]));

    expect(await stockOf(plenty.id)).toEqual({ stockQuantity: 100, reserved: 0 });
    expect(await stockOf(scarce.id)).toEqual({ stockQuantity: 2, reserved: 0 });
    expect(await reservationsOf(orderId)).toEqual([]);
    expect((await movementsOf(plenty.id)).map((m) => m.kind)).toEqual(['CREATE']);
    const rows = await outbox(orderId);
    expect(rows.map((r) => r.type)).toEqual(['inventory.stock_rejected']);
    expect(rows[0].envelope.data).toEqual({ orderId, reason: 'OUT_OF_STOCK', productIds: [scarce.id] });
  });

  it('counts the same product on two lines together against its stock', async () => {
    const p = await newProduct(3);
    const orderId = randomUUID();
    await handle(reserveOrder, placed(orderId, [{ productId: p.id, quantity: 2 }, { productId: p.id, quantity: 2 }]));
    expect(await stockOf(p.id)).toEqual({ stockQuantity: 3, reserved: 0 });
    expect((await outbox(orderId))[0].envelope.data).toMatchObject({ reason: 'OUT_OF_STOCK', productIds: [p.id] });
  });

  it('rejects unknown and inactive products as PRODUCT_UNAVAILABLE', async () => {
    const [fine, inactive] = [await newProduct(10), await newProduct(10, { active: false })];
    const unknown = randomUUID();
    const orderId = randomUUID();
    await handle(reserveOrder, placed(orderId, [
      { productId: fine.id, quantity: 1 },
      { productId: inactive.id, quantity: 1 },
      { productId: unknown, quantity: 1 },
    ]));
    expect(await stockOf(fine.id)).toEqual({ stockQuantity: 10, reserved: 0 });
    expect((await outbox(orderId))[0].envelope.data).toEqual({ orderId, reason: 'PRODUCT_UNAVAILABLE', productIds: [inactive.id, unknown] });
  });

  it('200 concurrent orders for 1 unit each against 50 in stock: exactly 50 reserved, 150 rejected', async () => {
    const p = await newProduct(50);
    const orderIds = Array.from({ length: 200 }, () => randomUUID());

    // Watches the row while the orders race; the check constraint would also fail any transaction that overshot.
    let racing = true;
    let maxReserved = 0;
    const watcher = (async () => {
      while (racing) {
        const { stockQuantity, reserved } = await stockOf(p.id);
        expect(reserved).toBeLessThanOrEqual(stockQuantity);
        maxReserved = Math.max(maxReserved, reserved);
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    const results = await Promise.allSettled(orderIds.map((id) => handle(reserveOrder, placed(id, [{ productId: p.id, quantity: 1 }]))));
    racing = false;
    await watcher;

    // No transaction failed: not the check constraint, not a deadlock.
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(await stockOf(p.id)).toEqual({ stockQuantity: 50, reserved: 50 });
    expect(maxReserved).toBeLessThanOrEqual(50);
    expect(await fork().count(StockReservation, { productId: p.id, status: 'HELD' })).toBe(50);
    const types = (await Promise.all(orderIds.map((id) => outbox(id)))).map((rows) => rows.map((r) => r.type));
    expect(types.filter((t) => t.join() === 'inventory.stock_reserved')).toHaveLength(50);
    expect(types.filter((t) => t.join() === 'inventory.stock_rejected')).toHaveLength(150);
    // The audit adds up to the product's state.
    const movements = await movementsOf(p.id);
    expect(movements.reduce((sum, m) => sum + m.reservedDelta, 0)).toBe(50);
    expect(movements.filter((m) => m.kind === 'RESERVE')).toHaveLength(50);
  });

  it('concurrent orders listing the same two products in opposite orders do not deadlock', async () => {
    const [a, b] = [await newProduct(30), await newProduct(30)];
    const orders = Array.from({ length: 80 }, (_, i) => {
      const lines = [{ productId: a.id, quantity: 1 }, { productId: b.id, quantity: 1 }];
      return placed(randomUUID(), i % 2 ? lines : lines.reverse());
    });
    const results = await Promise.allSettled(orders.map((e) => handle(reserveOrder, e)));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(await stockOf(a.id)).toEqual({ stockQuantity: 30, reserved: 30 });
    expect(await stockOf(b.id)).toEqual({ stockQuantity: 30, reserved: 30 });
  });
});

describe('settling an order', () => {
  async function reservedOrder(stock: number, quantity: number) {
    const p = await newProduct(stock);
    const orderId = randomUUID();
    const lines = [{ productId: p.id, quantity }];
    await handle(reserveOrder, placed(orderId, lines));
    expect(await stockOf(p.id)).toEqual({ stockQuantity: stock, reserved: quantity });
    return { p, orderId, lines };
  }

  it('order.paid commits: stock on hand and reserved both drop by the quantity', async () => {
    const { p, orderId, lines } = await reservedOrder(10, 3);
    await handle(commitOrder, paid(orderId, lines));
    expect(await stockOf(p.id)).toEqual({ stockQuantity: 7, reserved: 0 });
    expect(await statusesOf(orderId)).toEqual(['COMMITTED']);
    expect((await movementsOf(p.id)).at(-1)).toMatchObject({ kind: 'COMMIT', quantityDelta: -3, reservedDelta: -3, orderId });
  });

  it('order.failed releases what was held', async () => {
    const { p, orderId, lines } = await reservedOrder(10, 3);
    await handle(releaseOrder, failed(orderId, lines));
    expect(await stockOf(p.id)).toEqual({ stockQuantity: 10, reserved: 0 });
    expect(await statusesOf(orderId)).toEqual(['RELEASED']);
    expect((await movementsOf(p.id)).at(-1)).toMatchObject({ kind: 'RELEASE', quantityDelta: 0, reservedDelta: -3, reason: 'PAYMENT_DECLINED' });
  });

  it('order.cancelled before payment releases; after payment it restocks', async () => {
    const held = await reservedOrder(10, 3);
    await handle(releaseOrder, cancelled(held.orderId, held.lines, 'RESERVED'));
    expect(await stockOf(held.p.id)).toEqual({ stockQuantity: 10, reserved: 0 });
    expect(await statusesOf(held.orderId)).toEqual(['RELEASED']);

    const { p, orderId, lines } = await reservedOrder(10, 4);
    await handle(commitOrder, paid(orderId, lines));
    expect(await stockOf(p.id)).toEqual({ stockQuantity: 6, reserved: 0 });
    await handle(releaseOrder, cancelled(orderId, lines, 'PAID'));
    expect(await stockOf(p.id)).toEqual({ stockQuantity: 10, reserved: 0 });
    expect(await statusesOf(orderId)).toEqual(['RESTOCKED']);
    expect((await movementsOf(p.id)).map((m) => [m.kind, m.quantityDelta, m.reservedDelta])).toEqual([
      ['CREATE', 10, 0],
      ['RESERVE', 0, 4],
      ['COMMIT', -4, -4],
      ['RESTOCK', 4, 0],
    ]);
  });

  it('order.failed never puts committed units back on hand; only a cancellation restocks', async () => {
    const { p, orderId, lines } = await reservedOrder(10, 2);
    await handle(commitOrder, paid(orderId, lines));
    await handle(releaseOrder, failed(orderId, lines));
    expect(await stockOf(p.id)).toEqual({ stockQuantity: 8, reserved: 0 });
    expect(await statusesOf(orderId)).toEqual(['COMMITTED']);
  });
});

describe('idempotency: the same event applied twice has one effect', () => {
  it('order.placed twice, one after the other and at the same time', async () => {
    const p = await newProduct(10);
    const [first, second] = [randomUUID(), randomUUID()];
    const one = placed(first, [{ productId: p.id, quantity: 2 }]);
    await handle(reserveOrder, one);
    await handle(reserveOrder, one);
    const two = placed(second, [{ productId: p.id, quantity: 3 }]);
    await Promise.all([handle(reserveOrder, two), handle(reserveOrder, two)]);

    expect(await stockOf(p.id)).toEqual({ stockQuantity: 10, reserved: 5 });
    expect((await outbox(first)).map((r) => r.type)).toEqual(['inventory.stock_reserved']);
    expect((await outbox(second)).map((r) => r.type)).toEqual(['inventory.stock_reserved']);
  });

  it('order.paid, order.failed and order.cancelled twice', async () => {
    const p = await newProduct(20);
    const [paidOrder, failedOrder] = [randomUUID(), randomUUID()];
    const lines = [{ productId: p.id, quantity: 4 }];
    await handle(reserveOrder, placed(paidOrder, lines));
    await handle(reserveOrder, placed(failedOrder, lines));

    const payment = paid(paidOrder, lines);
    await handle(commitOrder, payment);
    await handle(commitOrder, payment);
    const failure = failed(failedOrder, lines);
    await handle(releaseOrder, failure);
    await handle(releaseOrder, failure);
    expect(await stockOf(p.id)).toEqual({ stockQuantity: 16, reserved: 0 });

    const cancellation = cancelled(paidOrder, lines, 'PAID');
    await handle(releaseOrder, cancellation);
    await handle(releaseOrder, cancellation);
    expect(await stockOf(p.id)).toEqual({ stockQuantity: 20, reserved: 0 });
    expect((await movementsOf(p.id)).map((m) => m.kind)).toEqual(['CREATE', 'RESERVE', 'RESERVE', 'COMMIT', 'RELEASE', 'RESTOCK']);
  });

  it('an order.placed that arrives after the order was cancelled reserves nothing', async () => {
    const p = await newProduct(5);
    const orderId = randomUUID();
    const lines = [{ productId: p.id, quantity: 2 }];
    await handle(releaseOrder, cancelled(orderId, lines, 'PENDING'));
    await handle(reserveOrder, placed(orderId, lines));
    expect(await stockOf(p.id)).toEqual({ stockQuantity: 5, reserved: 0 });
    expect(await outbox(orderId)).toEqual([]);
  });

  it('the step map routes each order event to its step', () => {
    expect(inventorySteps).toEqual({
      'order.placed': reserveOrder,
      'order.paid': commitOrder,
      'order.failed': releaseOrder,
      'order.cancelled': releaseOrder,
    });
  });
});

describe('what a step costs the database', () => {
  it('reserving is three statements and settling two, in two round trips each, whatever the number of lines', async () => {
    const products = [await newProduct(10), await newProduct(10), await newProduct(10)];
    const lines = products.map((p) => ({ productId: p.id, quantity: 2 }));
    const [kept, dropped] = [randomUUID(), randomUUID()];
    const cost = async (step: () => Promise<number>) => {
      db.sql.reset();
      const roundTrips = await step();
      return { statements: db.sql.total, roundTrips };
    };

    // Lock the products and ask for earlier reservations; write reservations, stock, movements and the event with COMMIT.
    expect(await cost(() => handle(reserveOrder, placed(kept, lines)))).toEqual({ statements: 3, roundTrips: 2 });
    expect(await cost(() => handle(reserveOrder, placed(dropped, lines)))).toEqual({ statements: 3, roundTrips: 2 });
    // Lock the reservations with their products; write reservations, stock and movements with COMMIT.
    expect(await cost(() => handle(commitOrder, paid(kept, lines)))).toEqual({ statements: 2, roundTrips: 2 });
    expect(await cost(() => handle(releaseOrder, failed(dropped, lines)))).toEqual({ statements: 2, roundTrips: 2 });
    expect(await Promise.all(products.map((p) => stockOf(p.id)))).toEqual(products.map(() => ({ stockQuantity: 8, reserved: 0 })));
  });
});

describe('catalog', () => {
  const codeOf = (promise: Promise<unknown>) =>
    promise.then(
      () => 'resolved',
      (err: unknown) => (err instanceof AppError ? err.code : String(err)),
    );

  it('createProduct writes the product, a CREATE movement and an inventory.product_created outbox row', async () => {
    const cause = requestCause();
    const sku = `NEW-${randomUUID().slice(0, 8)}`;
    const product = await createProduct(fork(), { sku: `  ${sku} `, name: 'Kettle', description: 'Whistles.', priceCents: 4599, stockQuantity: 7 }, cause);

    expect(await fork().findOneOrFail(Product, product.id)).toMatchObject({ sku, name: 'Kettle', priceCents: 4599, stockQuantity: 7, reserved: 0, active: true });
    expect((await movementsOf(product.id)).map((m) => [m.kind, m.quantityDelta])).toEqual([['CREATE', 7]]);
    const [row] = await outbox(product.id);
    expect(row.type).toBe('inventory.product_created');
    expect(row.envelope.data).toEqual({ productId: product.id, sku, name: 'Kettle', priceCents: 4599, active: true });
    expect(row.envelope.correlationId).toBe(cause.requestId);
  });

  it('createProduct refuses bad input and a duplicate SKU, and writes nothing then', async () => {
    const sku = `DUP-${randomUUID().slice(0, 8)}`;
    await createProduct(fork(), { sku, name: 'First', priceCents: 100 }, requestCause());
    expect(await codeOf(createProduct(fork(), { sku, name: 'Second', priceCents: 100 }, requestCause()))).toBe('CONFLICT');
    expect(await codeOf(createProduct(fork(), { sku: ' ', name: 'x', priceCents: 100 }, requestCause()))).toBe('BAD_USER_INPUT');
    expect(await codeOf(createProduct(fork(), { sku: 'X-1', name: '', priceCents: 100 }, requestCause()))).toBe('BAD_USER_INPUT');
    expect(await codeOf(createProduct(fork(), { sku: 'X-1', name: 'x', priceCents: -1 }, requestCause()))).toBe('BAD_USER_INPUT');
    expect(await codeOf(createProduct(fork(), { sku: 'X-1', name: 'x', priceCents: 1.5 }, requestCause()))).toBe('BAD_USER_INPUT');
    expect(await codeOf(createProduct(fork(), { sku: 'X-1', name: 'x', priceCents: 1, stockQuantity: -1 }, requestCause()))).toBe('BAD_USER_INPUT');
    expect(await fork().count(Product, { sku: { $in: ['X-1', sku] } })).toBe(1);
  });

  it('updateProduct changes what it is given and records inventory.product_updated', async () => {
    const p = await newProduct(1);
    const updated = await updateProduct(fork(), p.id, { priceCents: 1250, name: null, active: false }, requestCause());
    expect(updated).toMatchObject({ name: p.name, priceCents: 1250, active: false });
    const rows = await outbox(p.id, 'inventory.product_updated');
    expect(rows.map((r) => r.envelope.data)).toEqual([{ productId: p.id, sku: p.sku, name: p.name, priceCents: 1250, active: false }]);
    // Nothing changed, nothing to tell.
    await updateProduct(fork(), p.id, { priceCents: 1250 }, requestCause());
    expect(await outbox(p.id, 'inventory.product_updated')).toHaveLength(1);
    expect(await codeOf(updateProduct(fork(), randomUUID(), { name: 'x' }, requestCause()))).toBe('NOT_FOUND');
    expect(await codeOf(updateProduct(fork(), p.id, { name: '  ' }, requestCause()))).toBe('BAD_USER_INPUT');
  });

  it('adjustStock never removes units that orders hold', async () => {
    const p = await newProduct(5);
    await handle(reserveOrder, placed(randomUUID(), [{ productId: p.id, quantity: 3 }]));

    expect(await codeOf(adjustStock(fork(), p.id, -3, 'shrinkage'))).toBe('CONFLICT');
    expect(await stockOf(p.id)).toEqual({ stockQuantity: 5, reserved: 3 });
    const adjusted = await adjustStock(fork(), p.id, -2, 'two broken in the warehouse');
    expect(adjusted).toMatchObject({ stockQuantity: 3, reserved: 3 });
    await adjustStock(fork(), p.id, 10, 'delivery');
    expect(await stockOf(p.id)).toEqual({ stockQuantity: 13, reserved: 3 });
    expect((await movementsOf(p.id)).filter((m) => m.kind === 'ADJUST').map((m) => [m.quantityDelta, m.reason])).toEqual([
      [-2, 'two broken in the warehouse'],
      [10, 'delivery'],
    ]);
    expect(await codeOf(adjustStock(fork(), p.id, 0, 'nothing'))).toBe('BAD_USER_INPUT');
    expect(await codeOf(adjustStock(fork(), p.id, 1, ' '))).toBe('BAD_USER_INPUT');
    expect(await codeOf(adjustStock(fork(), randomUUID(), 1, 'ghost'))).toBe('NOT_FOUND');
  });
});

describe('Product.stockMovements loader', () => {
  it('loads the newest movements of many products in one SQL statement', async () => {
    const products = [await newProduct(1), await newProduct(2), await newProduct(3)];
    for (const p of products) {
      await adjustStock(fork(), p.id, 1, 'first');
      await adjustStock(fork(), p.id, 1, 'second');
    }
    const loaders = createLoaders(fork(), { batch: true });
    db.sql.reset();
    const [latest, all] = await Promise.all([
      Promise.all(products.map((p) => loaders.stockMovements(2).load(p.id))),
      Promise.all(products.map((p) => loaders.stockMovements(20).load(p.id))),
    ]);
    // One statement per page size asked for, whatever the number of products.
    expect(db.sql.total).toBe(2);
    expect(latest.map((ms) => ms.map((m) => m.reason))).toEqual(products.map(() => ['second', 'first']));
    expect(latest.every((ms, i) => ms.every((m) => m.productId === products[i].id))).toBe(true);
    expect(all.map((ms) => ms.map((m) => m.kind))).toEqual(products.map(() => ['ADJUST', 'ADJUST', 'CREATE']));
  });
});
