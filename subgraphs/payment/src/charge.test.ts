import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../lib/errors.js';
import { EVENTS, type EventData, type EventType } from '../../../lib/events/contracts/index.js';
import { EnvelopeSchema, type EventEnvelope } from '../../../lib/events/envelope.js';
import type { EventHandler, EventStep } from '../../../lib/events/handlers.js';
import { OutboxEvent } from '../../../lib/events/outbox-event.entity.js';
import { runStep } from '../../../lib/testing/run-step.js';
import { useTestDatabase } from '../../../lib/testing/test-orm.js';
import { ormOptions } from './db.js';
import { PaymentMethod } from './entities/payment-method.entity.js';
import { PaymentTransaction } from './entities/payment-transaction.entity.js';
import { Payment } from './entities/payment.entity.js';
import { Refund } from './entities/refund.entity.js';
import { paymentEventWork } from './events/handlers.js';
import { TEST_CARDS, TestCardProcessor } from './processor/test-card-processor.js';
import { validateCard, type CardInput } from './services/card-validation.js';
import { addPaymentMethod, removePaymentMethod } from './services/payment-method.service.js';
import { refundPayment } from './services/refund.service.js';

const processor = new TestCardProcessor();
// Short waits keep the suite fast; the policy's shape (three transient retries) is the default's.
const work = paymentEventWork(processor, { transientDelaysMs: [5, 10, 20] });
const nextYear = new Date().getUTCFullYear() + 1;
const db = useTestDatabase('payment', ormOptions, { dbPoolMax: 4 });

const fork = () => db.orm.em.fork() as EntityManager;
const request = () => ({ requestId: randomUUID() });

/** A well-formed envelope, checked against the same schemas the consumer checks. */
function envelope<T extends EventType>(type: T, data: EventData<T>): EventEnvelope<EventData<T>> {
  const event = {
    id: randomUUID(),
    type,
    occurredAt: new Date().toISOString(),
    aggregateId: (data as { orderId: string }).orderId,
    correlationId: randomUUID(),
    causationId: randomUUID(),
    data: EVENTS[type].schema.parse(data) as EventData<T>,
  };
  return EnvelopeSchema.parse(event) as EventEnvelope<EventData<T>>;
}

/** Handles an event the way the consumer does: the charge in a step transaction, refunds in a MikroORM one. */
function handle<T extends 'order.payment_requested' | 'order.cancelled' | 'order.failed'>(event: EventEnvelope<EventData<T>>) {
  const step = work.steps[event.type as T] as EventStep<T> | undefined;
  if (step) return runStep(db.orm, step, event);
  const handler = work.handlers[event.type as T] as EventHandler<T>;
  return fork().transactional((em) => handler(em, event));
}

const customer = () => ({ id: randomUUID(), email: 'ann@example.com', name: 'Ann' });

async function addCard(customerId: string, cardNumber: string) {
  return addPaymentMethod(fork(), processor, customerId, { cardNumber, expMonth: 12, expYear: nextYear, cvc: '123' }, request());
}

function paymentRequested(customerId: string, paymentMethodId: string, amountCents = 4999, orderId = randomUUID()) {
  return envelope('order.payment_requested', { orderId, customerId, amountCents, paymentMethodId });
}

function orderCancelled(orderId: string, customerId: string, totalCents = 4999) {
  return envelope('order.cancelled', {
    orderId,
    customerId,
    customerEmail: 'ann@example.com',
    customerName: 'Ann',
    reason: 'changed my mind',
    previousStatus: 'PAID',
    lines: [],
    totalCents,
  });
}

async function paymentOf(orderId: string) {
  const em = fork();
  const payment = await em.findOneOrFail(Payment, { orderId });
  const transactions = await em.find(PaymentTransaction, { paymentId: payment.id }, { orderBy: { createdAt: 'asc' } });
  const events = await em.find(OutboxEvent, { aggregateId: payment.id }, { orderBy: { createdAt: 'asc' } });
  return { payment, transactions, events };
}

/** Charges a fresh order on a fresh card and returns what was recorded. */
async function charge(cardNumber: string, amountCents = 4999) {
  const who = customer();
  const method = await addCard(who.id, cardNumber);
  const event = paymentRequested(who.id, method.id, amountCents);
  await handle(event);
  return { event, customerId: who.id, ...(await paymentOf(event.data.orderId)) };
}

function errorOf(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected an AppError');
}

async function rejectionOf(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
  if (err instanceof AppError) return err;
  throw err;
}

describe('card validation', () => {
  const card = (over: Partial<CardInput>): CardInput => ({ cardNumber: TEST_CARDS.succeeds, expMonth: 12, expYear: nextYear, cvc: '123', ...over });
  const may2026 = new Date('2026-05-15T12:00:00Z');
  const field = (over: Partial<CardInput>, now?: Date) => {
    const err = errorOf(() => validateCard(card(over), now));
    expect(err.code).toBe('PAYMENT_METHOD_INVALID');
    return err.details.field;
  };

  it('accepts spaces and dashes and tells the brand from the number', () => {
    expect(validateCard(card({ cardNumber: '4242 4242-4242 4242' }))).toMatchObject({ number: TEST_CARDS.succeeds, brand: 'visa' });
    const brands = ['5555555555554444', '2223003122003222', '378282246310005', '6011111111111117'].map(
      (cardNumber) => validateCard(card({ cardNumber, cvc: '1234' })).brand,
    );
    expect(brands).toEqual(['mastercard', 'mastercard', 'amex', 'card']);
  });

  it('refuses a number with letters, the wrong length or a bad check digit', () => {
    expect(field({ cardNumber: '4242-4242-4242-abcd' })).toBe('cardNumber');
    expect(field({ cardNumber: '42424242424' })).toBe('cardNumber');
    expect(field({ cardNumber: '4'.repeat(20) })).toBe('cardNumber');
    expect(field({ cardNumber: '4242424242424241' })).toBe('cardNumber');
    expect(errorOf(() => validateCard(card({ cardNumber: '4242424242424241' }))).message).toMatch(/not valid/);
  });

  it('refuses a bad month, a two-digit year, an expired card and a bad CVC', () => {
    expect(field({ expMonth: 0 })).toBe('expMonth');
    expect(field({ expMonth: 13 })).toBe('expMonth');
    expect(field({ expYear: 30 })).toBe('expYear');
    expect(field({ expMonth: 4, expYear: 2026 }, may2026)).toBe('expMonth');
    expect(field({ expMonth: 12, expYear: 2025 }, may2026)).toBe('expYear');
    expect(validateCard(card({ expMonth: 5, expYear: 2026 }), may2026).expMonth).toBe(5);
    for (const cvc of ['12', '12345', '12a', '']) expect(field({ cvc })).toBe('cvc');
  });
});

describe('payment methods', () => {
  it('stores only token, brand, last4 and expiry, and announces the card in the outbox', async () => {
    const who = customer();
    const method = await addCard(who.id, '4242 4242 4242 4242');
    const conn = fork().getConnection();
    const [row] = await conn.execute('select * from payment_methods where id = ?', [method.id]);
    expect(row).toMatchObject({ customer_id: who.id, brand: 'visa', last4: '4242', exp_month: 12, exp_year: nextYear });
    expect(row.token).toMatch(/^tok_test_/);
    const [outbox] = await conn.execute('select * from outbox_events where aggregate_id = ?', [method.id]);
    expect(outbox.type).toBe('payment.method_added');
    expect(outbox.envelope.data).toEqual({ paymentMethodId: method.id, customerId: who.id });
    for (const stored of [JSON.stringify(row), JSON.stringify(outbox)]) {
      expect(stored).not.toContain(TEST_CARDS.succeeds);
      expect(stored).not.toContain('4242 4242');
    }
  });

  it('stores nothing for an invalid card', async () => {
    const who = customer();
    const err = await rejectionOf(
      addPaymentMethod(fork(), processor, who.id, { cardNumber: '4242424242424241', expMonth: 1, expYear: nextYear, cvc: '123' }, request()),
    );
    expect(err.code).toBe('PAYMENT_METHOD_INVALID');
    expect(await fork().count(PaymentMethod, { customerId: who.id })).toBe(0);
  });

  it("removes only the owner's card, once; anyone else gets NOT_FOUND", async () => {
    const owner = customer();
    const method = await addCard(owner.id, TEST_CARDS.succeeds);
    expect((await rejectionOf(removePaymentMethod(fork(), randomUUID(), method.id, request()))).code).toBe('NOT_FOUND');
    expect((await rejectionOf(removePaymentMethod(fork(), owner.id, randomUUID(), request()))).code).toBe('NOT_FOUND');
    await removePaymentMethod(fork(), owner.id, method.id, request());
    await removePaymentMethod(fork(), owner.id, method.id, request());
    expect((await fork().findOneOrFail(PaymentMethod, method.id)).removedAt).toBeInstanceOf(Date);
    const events = await fork().find(OutboxEvent, { aggregateId: method.id });
    expect(events.map((e) => e.type).sort()).toEqual(['payment.method_added', 'payment.method_removed']);
  });
});

describe('charging an order', () => {
  it('captures 4242 on the first attempt: one AUTHORIZE, one CAPTURE, payment.succeeded', async () => {
    const before = processor.chargesMade;
    const { event, payment, transactions, events } = await charge(TEST_CARDS.succeeds, 4999);
    expect(payment).toMatchObject({ status: 'CAPTURED', attempts: 1, amountCents: 4999, failureCode: null });
    expect(payment.processedAt).toBeInstanceOf(Date);
    expect(transactions.map((t) => [t.kind, t.detail])).toEqual([['AUTHORIZE', 'succeeded'], ['CAPTURE', null]]);
    expect(transactions[1].processorReference).toMatch(/^ch_test_/);
    expect(events.map((e) => e.type)).toEqual(['payment.succeeded']);
    expect(events[0].envelope).toMatchObject({
      correlationId: event.correlationId,
      causationId: event.id,
      data: { orderId: event.data.orderId, paymentId: payment.id, amountCents: 4999, attempts: 1 },
    });
    expect(processor.chargesMade - before).toBe(1);
  });

  it('retries a declined card once, then fails with PAYMENT_DECLINED', async () => {
    const before = processor.chargesMade;
    const { payment, transactions, events } = await charge(TEST_CARDS.declined);
    expect(payment).toMatchObject({ status: 'FAILED', attempts: 2, failureCode: 'PAYMENT_DECLINED' });
    expect(transactions.map((t) => [t.kind, t.detail])).toEqual([['AUTHORIZE', 'declined'], ['AUTHORIZE', 'declined']]);
    expect(events.map((e) => [e.type, e.envelope.data])).toEqual([
      ['payment.failed', { orderId: payment.orderId, paymentId: payment.id, code: 'PAYMENT_DECLINED', attempts: 2 }],
    ]);
    expect(processor.chargesMade).toBe(before);
  });

  it('fails at once on insufficient funds', async () => {
    const { payment, transactions } = await charge(TEST_CARDS.insufficientFunds);
    expect(payment).toMatchObject({ status: 'FAILED', attempts: 1, failureCode: 'INSUFFICIENT_FUNDS' });
    expect(transactions.map((t) => t.detail)).toEqual(['insufficient_funds']);
  });

  it('retries rate limits and processing errors with backoff until the charge goes through', async () => {
    const limited = await charge(TEST_CARDS.rateLimited);
    expect(limited.payment).toMatchObject({ status: 'CAPTURED', attempts: 3 });
    expect(limited.transactions.map((t) => t.detail)).toEqual(['rate_limited', 'rate_limited', 'succeeded', null]);
    const erred = await charge(TEST_CARDS.processingError);
    expect(erred.payment).toMatchObject({ status: 'CAPTURED', attempts: 2 });
    expect(erred.transactions.map((t) => t.detail)).toEqual(['processing_error', 'succeeded', null]);
  });

  it('gives up with PAYMENT_ERROR when the retries run out', async () => {
    const who = customer();
    const method = await addCard(who.id, TEST_CARDS.rateLimited);
    const event = paymentRequested(who.id, method.id);
    const oneRetry = paymentEventWork(processor, { transientDelaysMs: [5] });
    await runStep(db.orm, oneRetry.steps['order.payment_requested']!, event);
    const { payment, events } = await paymentOf(event.data.orderId);
    expect(payment).toMatchObject({ status: 'FAILED', attempts: 2, failureCode: 'PAYMENT_ERROR' });
    expect(events[0].envelope.data).toMatchObject({ code: 'PAYMENT_ERROR', attempts: 2 });
  });

  it('fails with PAYMENT_METHOD_INVALID, without calling the processor, for a removed, foreign or unknown card', async () => {
    const owner = customer();
    const removed = await addCard(owner.id, TEST_CARDS.succeeds);
    await removePaymentMethod(fork(), owner.id, removed.id, request());
    const foreign = await addCard(randomUUID(), TEST_CARDS.succeeds);
    for (const methodId of [removed.id, foreign.id, randomUUID()]) {
      const event = paymentRequested(owner.id, methodId);
      await handle(event);
      const { payment, transactions, events } = await paymentOf(event.data.orderId);
      expect(payment).toMatchObject({ status: 'FAILED', attempts: 0, failureCode: 'PAYMENT_METHOD_INVALID' });
      expect(transactions).toEqual([]);
      expect(events[0].envelope.data).toMatchObject({ code: 'PAYMENT_METHOD_INVALID', attempts: 0 });
    }
  });
});

describe('what a charge costs the database', () => {
  it('is two statements around the processor call: start the payment and read the card, then the outcome', async () => {
    const who = customer();
    const method = await addCard(who.id, TEST_CARDS.succeeds);
    const event = paymentRequested(who.id, method.id);
    db.sql.reset();
    await handle(event);
    expect(db.sql.total).toBe(2);
    expect((await paymentOf(event.data.orderId)).payment.status).toBe('CAPTURED');
  });
});

describe('charging exactly once', () => {
  it('charges once however often the same payment request is handled', async () => {
    const who = customer();
    const method = await addCard(who.id, TEST_CARDS.succeeds);
    const event = paymentRequested(who.id, method.id);
    const before = processor.chargesMade;
    for (let i = 0; i < 5; i++) await handle(event);
    expect(processor.chargesMade - before).toBe(1);
    expect(await fork().count(Payment, { orderId: event.data.orderId })).toBe(1);
    const { transactions, events } = await paymentOf(event.data.orderId);
    expect(transactions).toHaveLength(2);
    expect(events.map((e) => e.type)).toEqual(['payment.succeeded']);
  });

  it('does not charge again when the first handling rolled back after the processor answered', async () => {
    const who = customer();
    const method = await addCard(who.id, TEST_CARDS.succeeds);
    const event = paymentRequested(who.id, method.id);
    const before = processor.chargesMade;
    const crashed = runStep(db.orm, async (tx, e: typeof event) => {
      await work.steps['order.payment_requested']!(tx, e);
      throw new Error('connection lost before commit');
    }, event);
    await expect(crashed).rejects.toThrow('connection lost');
    expect(await fork().count(Payment, { orderId: event.data.orderId })).toBe(0);
    await handle(event);
    expect(processor.chargesMade - before).toBe(1);
    expect((await paymentOf(event.data.orderId)).payment.status).toBe('CAPTURED');
  });

  it('charges once when two consumers handle the same request at the same time', async () => {
    const who = customer();
    const method = await addCard(who.id, TEST_CARDS.rateLimited);
    const event = paymentRequested(who.id, method.id);
    const before = processor.chargesMade;
    const results = await Promise.allSettled([handle(event), handle(event)]);
    expect(results.some((r) => r.status === 'fulfilled')).toBe(true);
    expect(processor.chargesMade - before).toBe(1);
    expect(await fork().count(Payment, { orderId: event.data.orderId })).toBe(1);
  });
});

describe('refunds', () => {
  it('refunds a captured payment when its order is cancelled, once', async () => {
    const { event, customerId } = await charge(TEST_CARDS.succeeds, 3000);
    const cancelled = orderCancelled(event.data.orderId, customerId, 3000);
    const before = processor.refundsMade;
    await handle(cancelled);
    await handle(cancelled);
    const { payment, transactions, events } = await paymentOf(event.data.orderId);
    expect(payment).toMatchObject({ status: 'REFUNDED', refundedCents: 3000 });
    expect(processor.refundsMade - before).toBe(1);
    expect(transactions.map((t) => t.kind)).toEqual(['AUTHORIZE', 'CAPTURE', 'REFUND']);
    const refunds = await fork().find(Refund, { paymentId: payment.id });
    expect(refunds.map((r) => [r.amountCents, r.reason])).toEqual([[3000, 'Order cancelled: changed my mind']]);
    expect(events.map((e) => e.type)).toEqual(['payment.succeeded', 'payment.refunded']);
    expect(events[1].envelope.data).toMatchObject({ amountCents: 3000, refundedTotalCents: 3000, customerId });
  });

  it('leaves nothing to charge when the cancellation arrives before the payment request', async () => {
    const who = customer();
    const method = await addCard(who.id, TEST_CARDS.succeeds);
    const requested = paymentRequested(who.id, method.id, 2500);
    await handle(orderCancelled(requested.data.orderId, who.id, 2500));
    const before = processor.chargesMade;
    await handle(requested);
    const { payment, transactions, events } = await paymentOf(requested.data.orderId);
    expect(payment).toMatchObject({ status: 'FAILED', failureCode: 'ORDER_CANCELLED', attempts: 0, amountCents: 2500 });
    expect(processor.chargesMade).toBe(before);
    expect(transactions).toEqual([]);
    expect(events).toEqual([]);
  });

  it('writes no payment for an order that failed for lack of stock', async () => {
    const orderId = randomUUID();
    const failed = envelope('order.failed', {
      orderId,
      customerId: randomUUID(),
      customerEmail: 'ann@example.com',
      customerName: 'Ann',
      reason: 'OUT_OF_STOCK',
      lines: [],
      totalCents: 100,
    });
    await handle(failed);
    expect(await fork().count(Payment, { orderId })).toBe(0);
  });

  it('lets an admin refund in parts up to the amount charged, and no further', async () => {
    const { payment } = await charge(TEST_CARDS.succeeds, 5000);
    const refund = (amount: number) => refundPayment(fork(), processor, payment.id, amount, ' damaged box ', request());
    expect(await refund(2000)).toMatchObject({ status: 'PARTIALLY_REFUNDED', refundedCents: 2000 });
    const over = await rejectionOf(refund(3001));
    expect([over.code, over.details]).toEqual(['BAD_USER_INPUT', { field: 'amountCents', remainingCents: 3000 }]);
    expect((await rejectionOf(refund(0))).code).toBe('BAD_USER_INPUT');
    expect(await refund(3000)).toMatchObject({ status: 'REFUNDED', refundedCents: 5000 });
    expect((await rejectionOf(refund(1))).code).toBe('CONFLICT');
    const { events } = await paymentOf(payment.orderId);
    expect(events.map((e) => e.envelope.data)).toMatchObject([
      {},
      { amountCents: 2000, refundedTotalCents: 2000, reason: 'damaged box' },
      { amountCents: 3000, refundedTotalCents: 5000 },
    ]);
  });

  it('refuses to refund a failed or unknown payment', async () => {
    const { payment } = await charge(TEST_CARDS.declined);
    expect((await rejectionOf(refundPayment(fork(), processor, payment.id, 1, null, request()))).code).toBe('CONFLICT');
    expect((await rejectionOf(refundPayment(fork(), processor, randomUUID(), 1, null, request()))).code).toBe('NOT_FOUND');
  });
});

describe('the test processor', () => {
  it('answers a repeated idempotency key with its first answer and refuses one reused for another charge', async () => {
    const p = new TestCardProcessor();
    const { token } = await p.tokenize({ number: TEST_CARDS.succeeds, expMonth: 1, expYear: nextYear, cvc: '123' });
    const first = await p.charge({ token, amountCents: 100, idempotencyKey: 'k' });
    expect(await p.charge({ token, amountCents: 100, idempotencyKey: 'k' })).toEqual(first);
    expect(p.chargesMade).toBe(1);
    await expect(p.charge({ token, amountCents: 200, idempotencyKey: 'k' })).rejects.toThrow(/reused/);
  });
});
