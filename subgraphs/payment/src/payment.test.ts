import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityHeaders, IdentityHeader, type Identity } from '../../../lib/auth/identity.js';
import { DEFAULT_DATABASE_URL } from '../../../lib/config.js';
import { databaseUrl, dropDatabase } from '../../../lib/db/database.js';
import { migrate } from '../../../lib/db/orm.js';
import { runStep } from '../../../lib/testing/run-step.js';
import { createPaymentApp, type PaymentApp } from './app.js';
import { loadPaymentConfig } from './config.js';
import { PaymentMethod } from './entities/payment-method.entity.js';
import { Payment } from './entities/payment.entity.js';
import { Refund } from './entities/refund.entity.js';
import { createLoaders } from './loaders.js';
import { TEST_CARDS } from './processor/test-card-processor.js';

const url = databaseUrl(process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL, `t_payment_${randomUUID().slice(0, 8)}`);
const SECRET = 'payment-test-gateway-secret';

const alice: Identity = { customerId: randomUUID(), role: 'CUSTOMER' };
const bob: Identity = { customerId: randomUUID(), role: 'CUSTOMER' };
const admin: Identity = { customerId: randomUUID(), role: 'ADMIN' };

/** Alice has 100 paid orders on one card (a second card is removed); Bob has one order. */
const seed = {
  aliceOrderIds: Array.from({ length: 100 }, () => randomUUID()),
  bobOrderId: randomUUID(),
  aliceCard: new PaymentMethod(),
  aliceRemovedCard: new PaymentMethod(),
  bobCard: new PaymentMethod(),
  alicePayments: [] as Payment[],
  bobPayment: new Payment(),
};

let app: PaymentApp;
let port: number;

const card = (m: PaymentMethod, customerId: string, last4: string, removedAt: Date | null = null) =>
  Object.assign(m, { customerId, token: `tok_${randomUUID()}`, brand: 'visa', last4, expMonth: 12, expYear: 2040, removedAt });

const payment = (p: Payment, orderId: string, customerId: string, paymentMethodId: string) =>
  Object.assign(p, { orderId, customerId, amountCents: 2500, status: 'CAPTURED', attempts: 1, paymentMethodId, processedAt: new Date() });

async function insertSeed(em: EntityManager) {
  em.persist(card(seed.aliceCard, alice.customerId, '4242'));
  em.persist(card(seed.aliceRemovedCard, alice.customerId, '0002', new Date()));
  em.persist(card(seed.bobCard, bob.customerId, '9995'));
  seed.alicePayments = seed.aliceOrderIds.map((orderId) => payment(new Payment(), orderId, alice.customerId, seed.aliceCard.id));
  em.persist(seed.alicePayments);
  em.persist(payment(seed.bobPayment, seed.bobOrderId, bob.customerId, seed.bobCard.id));
  // Two partial refunds on Alice's first payment, the later one inserted first.
  const first = seed.alicePayments[0];
  first.status = 'PARTIALLY_REFUNDED';
  first.refundedCents = 700;
  const refund = (amountCents: number, createdAt: Date) => Object.assign(new Refund(), { paymentId: first.id, amountCents, createdAt });
  em.persist(refund(200, new Date('2026-01-02T00:00:00Z')));
  em.persist(refund(500, new Date('2026-01-01T00:00:00Z')));
  await em.flush();
}

async function gql(query: string, variables: Record<string, unknown>, identity: Identity | null, secret = SECRET) {
  const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [IdentityHeader.gatewaySecret]: secret, ...identityHeaders(identity) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as { data?: any; errors?: { extensions: { code: string } }[] } };
}

const ORDER_PAYMENTS = `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Order { id payment {
  id status attempts processedAt createdAt amount { cents currencyCode amount } refundedAmount { cents }
  method { id brand last4 expMonth expYear } refunds { amount { cents } createdAt } } } } }`;
const orders = (ids: string[]) => ({ reps: ids.map((id) => ({ __typename: 'Order', id })) });

beforeAll(async () => {
  app = await createPaymentApp(
    loadPaymentConfig({ PAYMENT_DATABASE_URL: url, PAYMENT_PORT: '0', PAYMENT_GATEWAY_SECRET: SECRET, LOG_LEVEL: 'silent' }),
  );
  await migrate(app.db.orm);
  await insertSeed(app.db.orm.em.fork() as EntityManager);
  port = await app.start();
}, 30_000);

afterAll(async () => {
  await app?.stop();
  await dropDatabase(url);
});

describe('payment loaders', () => {
  const loaders = () => createLoaders(app.db.orm.em.fork() as EntityManager, { batch: true });

  it('loads the payments of 100 orders in one SQL statement, null where an order has none', async () => {
    const l = loaders();
    const unknownOrder = randomUUID();
    app.db.sql.reset();
    const found = await Promise.all([...seed.aliceOrderIds, unknownOrder].map((id) => l.paymentByOrderId.load(id)));
    expect(app.db.sql.total).toBe(1);
    expect(found.slice(0, 100).map((p) => p?.orderId)).toEqual(seed.aliceOrderIds);
    expect(found[100]).toBeNull();
  });

  it('loads methods, refunds and active cards in one statement each', async () => {
    const l = loaders();
    app.db.sql.reset();
    const methods = await Promise.all([seed.aliceCard.id, seed.aliceRemovedCard.id].map((id) => l.paymentMethod.load(id)));
    const refunds = await Promise.all(seed.alicePayments.map((p) => l.refundsByPaymentId.load(p.id)));
    const active = await Promise.all([alice.customerId, bob.customerId].map((id) => l.activePaymentMethodsByCustomerId.load(id)));
    expect(app.db.sql.total).toBe(3);
    // A removed card still resolves by id: past payments show what they were charged to.
    expect(methods.map((m) => m?.last4)).toEqual(['4242', '0002']);
    expect(refunds[0].map((r) => r.amountCents)).toEqual([500, 200]);
    expect(refunds.slice(1).every((r) => r.length === 0)).toBe(true);
    expect(active.map((ms) => ms.map((m) => m.last4))).toEqual([['4242'], ['9995']]);
  });
});

describe('payment subgraph over HTTP', () => {
  it('resolves a page of orders with payment, card and refunds in the same 3 statements for 1 and 100 orders', async () => {
    for (const ids of [seed.aliceOrderIds.slice(0, 1), seed.aliceOrderIds]) {
      app.db.sql.reset();
      const { body } = await gql(ORDER_PAYMENTS, orders(ids), alice);
      expect(body.errors).toBeUndefined();
      expect(app.db.sql.count).toBe(3);
      expect(body.data._entities).toHaveLength(ids.length);
      expect(body.data._entities.every((o: any) => o.payment?.method?.last4 === '4242')).toBe(true);
    }
    const { body } = await gql(ORDER_PAYMENTS, orders([seed.aliceOrderIds[0]]), alice);
    expect(body.data._entities[0].payment).toMatchObject({
      status: 'PARTIALLY_REFUNDED',
      amount: { cents: 2500, currencyCode: 'USD', amount: '25.00' },
      refundedAmount: { cents: 700 },
      refunds: [{ amount: { cents: 500 }, createdAt: '2026-01-01T00:00:00.000Z' }, { amount: { cents: 200 } }],
    });
  });

  it("shows an order's payment only to its owner and admins", async () => {
    const reps = orders([seed.aliceOrderIds[1], seed.bobOrderId, 'not-a-uuid']);
    const asBob = await gql(ORDER_PAYMENTS, reps, bob);
    expect(asBob.body.data._entities.map((o: any) => o?.payment?.id ?? null)).toEqual([null, seed.bobPayment.id, null]);
    const anonymous = await gql(ORDER_PAYMENTS, reps, null);
    expect(anonymous.body.data._entities.map((o: any) => o?.payment ?? null)).toEqual([null, null, null]);
    const asAdmin = await gql(ORDER_PAYMENTS, reps, admin);
    expect(asAdmin.body.data._entities.map((o: any) => o?.payment?.id ?? null)).toEqual([
      seed.alicePayments[1].id,
      seed.bobPayment.id,
      null,
    ]);
  });

  it('resolves Payment and PaymentMethod references for their owner only', async () => {
    const query = `query ($reps: [_Any!]!) { _entities(representations: $reps) {
      ... on Payment { id } ... on PaymentMethod { id last4 } } }`;
    const reps = {
      reps: [
        { __typename: 'Payment', id: seed.bobPayment.id.toUpperCase() },
        { __typename: 'PaymentMethod', id: seed.bobCard.id },
      ],
    };
    expect((await gql(query, reps, alice)).body.data._entities).toEqual([null, null]);
    expect((await gql(query, reps, bob)).body.data._entities).toEqual([
      { id: seed.bobPayment.id },
      { id: seed.bobCard.id, last4: '9995' },
    ]);
  });

  it("lists a customer's active cards to them and admins; FORBIDDEN to others, UNAUTHENTICATED anonymously", async () => {
    const query = `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Customer { paymentMethods { id last4 } } } }`;
    const reps = { reps: [{ __typename: 'Customer', id: alice.customerId }] };
    for (const who of [alice, admin]) {
      const { body } = await gql(query, reps, who);
      expect(body.data._entities[0].paymentMethods).toEqual([{ id: seed.aliceCard.id, last4: '4242' }]);
    }
    expect((await gql(query, reps, bob)).body.errors?.[0].extensions.code).toBe('FORBIDDEN');
    expect((await gql(query, reps, null)).body.errors?.[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('answers nothing without the gateway secret', async () => {
    const { status } = await gql(ORDER_PAYMENTS, orders(seed.aliceOrderIds), admin, 'not-the-secret');
    expect(status).toBe(401);
  });
});

describe('payment tables', () => {
  it('refuse a second payment for an order and refunds beyond the amount', async () => {
    const em = app.db.orm.em.fork() as EntityManager;
    const again = payment(new Payment(), seed.bobOrderId, bob.customerId, seed.bobCard.id);
    await expect(em.persist(again).flush()).rejects.toThrow(/payments_order_id_unique/);
    const overRefunded = Object.assign(payment(new Payment(), randomUUID(), bob.customerId, seed.bobCard.id), { refundedCents: 2501 });
    await expect(app.db.orm.em.fork().persist(overRefunded).flush()).rejects.toThrow(/payments_refunded_within_amount/);
  });
});

describe('payment mutations over HTTP', () => {
  const carol: Identity = { customerId: randomUUID(), role: 'CUSTOMER' };
  const ADD = `mutation ($input: AddPaymentMethodInput!) { addPaymentMethod(input: $input) { id brand last4 expMonth expYear } }`;
  const REMOVE = `mutation ($id: ID!) { removePaymentMethod(id: $id) }`;
  const REFUND = `mutation ($id: ID!, $cents: Int!) { refundPayment(paymentId: $id, amountCents: $cents, reason: "late") {
    status refundedAmount { cents } refunds { amount { cents } reason } } }`;
  const card = (cardNumber: string) => ({ input: { cardNumber, expMonth: 12, expYear: 2040, cvc: '123' } });
  const addCard = async (who: Identity) => (await gql(ADD, card(TEST_CARDS.succeeds), who)).body.data.addPaymentMethod.id as string;

  it("adds a card to the caller's own; an invalid card is PAYMENT_METHOD_INVALID naming the field", async () => {
    const { body } = await gql(ADD, card('4242 4242 4242 4242'), carol);
    expect(body.data.addPaymentMethod).toMatchObject({ brand: 'visa', last4: '4242', expMonth: 12, expYear: 2040 });
    const stored = await app.db.orm.em.fork().findOneOrFail(PaymentMethod, body.data.addPaymentMethod.id);
    expect(stored.customerId).toBe(carol.customerId);
    const bad = await gql(ADD, card('4242424242424241'), carol);
    expect(bad.body.errors?.[0].extensions).toEqual({ code: 'PAYMENT_METHOD_INVALID', field: 'cardNumber' });
    expect((await gql(ADD, card(TEST_CARDS.succeeds), null)).body.errors?.[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it("removes the caller's own card only", async () => {
    const id = await addCard(carol);
    expect((await gql(REMOVE, { id }, bob)).body.errors?.[0].extensions.code).toBe('NOT_FOUND');
    expect((await gql(REMOVE, { id }, carol)).body.data).toEqual({ removePaymentMethod: true });
  });

  it('refunds for an admin only', async () => {
    const paymentMethodId = await addCard(carol);
    const orderId = randomUUID();
    const data = { orderId, customerId: carol.customerId, amountCents: 4000, paymentMethodId };
    const event = {
      id: randomUUID(),
      type: 'order.payment_requested',
      occurredAt: new Date().toISOString(),
      aggregateId: orderId,
      correlationId: orderId,
      causationId: null,
      data,
    };
    await runStep(app.db.orm, app.eventWork.steps['order.payment_requested']!, event);
    const captured = await app.db.orm.em.fork().findOneOrFail(Payment, { orderId });
    expect((await gql(REFUND, { id: captured.id, cents: 1000 }, carol)).body.errors?.[0].extensions.code).toBe('FORBIDDEN');
    expect((await gql(REFUND, { id: 'nope', cents: 1000 }, admin)).body.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    const { body } = await gql(REFUND, { id: captured.id, cents: 1000 }, admin);
    expect(body.data.refundPayment).toEqual({
      status: 'PARTIALLY_REFUNDED',
      refundedAmount: { cents: 1000 },
      refunds: [{ amount: { cents: 1000 }, reason: 'late' }],
    });
  });
});
