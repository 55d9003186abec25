import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenSigner } from '../lib/auth/jwt.js';
import { startStack, type TestStack } from '../lib/testing/stack.js';
import { waitFor } from '../lib/testing/wait.js';
import { createGatewayApp, type GatewayApp } from '../gateway/src/app.js';
import { loadGatewayConfig } from '../gateway/src/config.js';
import { addCard, CARDS, createProduct, placeOrder, waitForStatus } from './saga-helpers.js';
import { bearerParams, follow, publishStatusChanged, wsClient, type Followed, type TestWsClient } from './subscription-helpers.js';

const FOLLOW_ORDER = `subscription Follow($id: ID!) {
  orderStatusChanged(orderId: $id) { id status failureReason payment { status } items { quantity product { name } } }
}`;

/** Messages that arrive after this long without one are not coming. */
const QUIET_MS = 500;

describe('federated subscriptions over graphql-ws, fed by NATS', () => {
  let stack: TestStack;
  let product: { id: string };
  const clients: TestWsClient[] = [];
  const extraGateways: GatewayApp[] = [];

  beforeAll(async () => {
    stack = await startStack();
    product = await createProduct(stack, { name: 'Live Lamp', priceCents: 2500, stock: 1000 });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose().catch(() => {})));
    await Promise.all(extraGateways.map((g) => g.stop()));
    await stack?.stop();
  });

  const connect = (token: string | undefined, url = stack.gatewayUrl, params?: Record<string, unknown>) => {
    const c = wsClient(url, params ?? (token ? bearerParams(token) : undefined));
    clients.push(c);
    return c;
  };
  const customerWithCard = async (card = CARDS.ok) => {
    const customer = await stack.registerCustomer();
    return { ...customer, card: await addCard(stack, customer.token, card) };
  };
  const statuses = (f: Followed, key = 'orderStatusChanged') => f.messages.map((m) => m.data?.[key]?.status);
  const startGateway = async () => {
    const app = await createGatewayApp(loadGatewayConfig({ ...stack.env, GATEWAY_PORT: '0' }));
    extraGateways.push(app);
    return { app, url: `http://127.0.0.1:${await app.start()}/graphql` };
  };

  /**
   * Places an order while the order service's outbox relay is stopped, so it stays PENDING until
   * `resume()`: the subscriber sees the whole saga, whatever the machine's speed.
   */
  async function placeHeldOrder(customer: { token: string; card: string }, quantity = 1) {
    const relay = stack.subgraphs.order.messaging!.relay!;
    await relay.stop();
    try {
      const placed = await placeOrder(stack, customer.token, [{ productId: product.id, quantity }], customer.card);
      expect(placed.errors).toBeUndefined();
      return { orderId: placed.data.placeOrder.id as string, resume: () => relay.start() };
    } catch (err) {
      await relay.start();
      throw err;
    }
  }

  it('follows a new order: PENDING, RESERVED, PAID, each with fields from other subgraphs', async () => {
    const customer = await customerWithCard();
    const { orderId, resume } = await placeHeldOrder(customer, 2);
    const sub = follow(connect(customer.token), FOLLOW_ORDER, { id: orderId });
    try {
      await sub.waitForMessages(1);
    } finally {
      await resume();
    }
    await sub.waitForMessages(3);
    await sleep(QUIET_MS);

    expect(statuses(sub)).toEqual(['PENDING', 'RESERVED', 'PAID']);
    for (const m of sub.messages) {
      expect(m.errors).toBeUndefined();
      expect(m.data!.orderStatusChanged).toMatchObject({ id: orderId, failureReason: null, items: [{ quantity: 2, product: { name: 'Live Lamp' } }] });
    }
    expect(sub.messages[0].data!.orderStatusChanged.payment).toBeNull();
    expect(sub.messages[2].data!.orderStatusChanged.payment).toEqual({ status: 'CAPTURED' });
    expect(sub.completed).toBe(false);
    sub.unsubscribe();
  });

  it('a declined card: PENDING, RESERVED, FAILED with PAYMENT_DECLINED', async () => {
    const customer = await customerWithCard(CARDS.declined);
    const { orderId, resume } = await placeHeldOrder(customer);
    const sub = follow(connect(customer.token), FOLLOW_ORDER, { id: orderId });
    try {
      await sub.waitForMessages(1);
    } finally {
      await resume();
    }
    await sub.waitForMessages(3);
    await sleep(QUIET_MS);

    expect(statuses(sub)).toEqual(['PENDING', 'RESERVED', 'FAILED']);
    expect(sub.messages.map((m) => m.data!.orderStatusChanged.failureReason)).toEqual([null, null, 'PAYMENT_DECLINED']);
    expect(sub.messages[2].data!.orderStatusChanged.payment).toEqual({ status: 'FAILED' });
  });

  it("another customer's subscription to the order gets one FORBIDDEN error, no events, and completes", async () => {
    const owner = await customerWithCard();
    const { orderId, resume } = await placeHeldOrder(owner);
    const other = await stack.registerCustomer();
    const sub = follow(connect(other.token), FOLLOW_ORDER, { id: orderId });
    try {
      await sub.ended;
    } finally {
      await resume();
    }
    await waitForStatus(stack, owner.token, orderId, ['PAID']);
    await sleep(QUIET_MS);

    expect(sub.completed).toBe(true);
    expect(sub.messages).toHaveLength(1);
    expect(sub.messages[0].data ?? null).toBeNull();
    expect(sub.messages[0].errors).toHaveLength(1);
    expect(sub.messages[0].errors![0].extensions?.code).toBe('FORBIDDEN');
  });

  it('an unknown order is NOT_FOUND', async () => {
    const customer = await stack.registerCustomer();
    const sub = follow(connect(customer.token), FOLLOW_ORDER, { id: '00000000-0000-4000-8000-000000000000' });
    await sub.ended;
    expect(sub.messages.map((m) => m.errors?.[0].extensions?.code)).toEqual(['NOT_FOUND']);
  });

  it('a connection without a token, or with a bad one, is closed with 4403 Forbidden and a reason', async () => {
    const anonymous = connect(undefined);
    const refused = follow(anonymous, FOLLOW_ORDER, { id: '00000000-0000-4000-8000-000000000000' });
    await refused.ended;
    expect(refused.messages).toEqual([]);
    expect(anonymous.closes[0]).toMatchObject({ code: 4403, reason: expect.stringContaining('connection_init') });

    const forged = connect(undefined, stack.gatewayUrl, { authorization: 'Bearer not.a.jwt' });
    await follow(forged, FOLLOW_ORDER, { id: '00000000-0000-4000-8000-000000000000' }).ended;
    expect(forged.closes[0]).toMatchObject({ code: 4403, reason: expect.stringContaining('invalid') });

    // `token` is accepted as well as `authorization`.
    const customer = await stack.registerCustomer();
    const plain = connect(undefined, stack.gatewayUrl, { token: customer.token });
    const mine = follow(plain, `subscription { myOrderUpdates { id } }`);
    await sleep(QUIET_MS);
    expect(plain.closes).toEqual([]);
    expect(mine.error).toBeUndefined();
    mine.unsubscribe();
  });

  it('two gateways: an order placed through one is followed, every change, on the other', async () => {
    const second = await startGateway();
    const customer = await customerWithCard();
    const { orderId, resume } = await placeHeldOrder(customer);
    const sub = follow(connect(customer.token, second.url), FOLLOW_ORDER, { id: orderId });
    try {
      await sub.waitForMessages(1);
    } finally {
      await resume();
    }
    await sub.waitForMessages(3);
    await sleep(QUIET_MS);
    expect(statuses(sub)).toEqual(['PENDING', 'RESERVED', 'PAID']);
    expect(sub.messages[2].data!.orderStatusChanged.payment).toEqual({ status: 'CAPTURED' });
  });

  it('a subscriber that reconnects after the order reached PAID receives PAID first', async () => {
    const customer = await customerWithCard();
    const { orderId, resume } = await placeHeldOrder(customer);
    const first = connect(customer.token);
    const before = follow(first, FOLLOW_ORDER, { id: orderId });
    try {
      await before.waitForMessages(1);
      await first.dispose();
    } finally {
      await resume();
    }
    await waitForStatus(stack, customer.token, orderId, ['PAID']);

    const again = follow(connect(customer.token), FOLLOW_ORDER, { id: orderId });
    await again.waitForMessages(1);
    await sleep(QUIET_MS);
    expect(statuses(before)).toEqual(['PENDING']);
    expect(statuses(again)).toEqual(['PAID']);
    expect(again.messages[0].data!.orderStatusChanged.payment).toEqual({ status: 'CAPTURED' });
  });

  it('a subscription sent over HTTP gets BAD_REQUEST saying to use graphql-ws at the same URL', async () => {
    const customer = await stack.registerCustomer();
    const res = await stack.query(`subscription { myOrderUpdates { id } }`, {}, customer.token);
    expect(res.status).toBe(400);
    expect(res.errors?.[0].extensions?.code).toBe('BAD_REQUEST');
    expect(res.errors?.[0].message).toMatch(/WebSocket.*graphql-ws/);
  });

  it('when the token expires, the subscription ends with UNAUTHENTICATED and the socket closes', async () => {
    const customer = await customerWithCard();
    const { orderId, resume } = await placeHeldOrder(customer);
    await resume();
    const config = loadGatewayConfig(stack.env);
    const sign = await createTokenSigner(stack.env.JWT_PRIVATE_KEY!, { issuer: config.jwtIssuer, audience: config.jwtAudience }, 2);
    const shortLived = await sign({ customerId: customer.id, role: 'CUSTOMER' });

    const c = connect(shortLived);
    const sub = follow(c, FOLLOW_ORDER, { id: orderId });
    await sub.waitForMessages(1);
    await sub.ended;
    const last = sub.messages.at(-1)!;
    expect(last.errors?.[0]).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' }, message: expect.stringContaining('token expired') });
    expect(sub.completed).toBe(true);
    await waitFor('the socket to close', async () => (c.closes.length ? true : undefined));
    expect(c.closes[0]).toMatchObject({ code: 4403, reason: expect.stringContaining('expired') });
  });

  it("myOrderUpdates streams every change of the caller's orders and nothing of others'", async () => {
    const customer = await customerWithCard();
    const other = await customerWithCard();
    const mine = follow(connect(customer.token), `subscription { myOrderUpdates { id status statusVersion total { cents } } }`);
    await sleep(200);
    const a = await placeOrder(stack, customer.token, [{ productId: product.id, quantity: 1 }], customer.card);
    const b = await placeOrder(stack, other.token, [{ productId: product.id, quantity: 1 }], other.card);
    await waitForStatus(stack, customer.token, a.data.placeOrder.id, ['PAID']);
    await waitForStatus(stack, other.token, b.data.placeOrder.id, ['PAID']);
    await mine.waitForMessages(3);
    await sleep(QUIET_MS);

    const updates = mine.messages.map((m) => m.data!.myOrderUpdates);
    expect(updates.map((u) => [u.id, u.status, u.statusVersion])).toEqual([
      [a.data.placeOrder.id, 'PENDING', 1],
      [a.data.placeOrder.id, 'RESERVED', 2],
      [a.data.placeOrder.id, 'PAID', 3],
    ]);
    expect(updates[0].total).toEqual({ cents: 2500 });
  });

  it('orderUpdates(status) gives an admin every order entering that status; a customer gets FORBIDDEN', async () => {
    const admin = await stack.adminToken();
    const paid = follow(connect(admin), `subscription { paid: orderUpdates(status: PAID) { id status customer { id } } }`);
    const customer = await customerWithCard();
    const denied = follow(connect(customer.token), `subscription { orderUpdates { id } }`);
    await denied.ended;
    expect(denied.messages[0].errors?.[0].extensions?.code).toBe('FORBIDDEN');

    await sleep(200);
    const placed = await placeOrder(stack, customer.token, [{ productId: product.id, quantity: 1 }], customer.card);
    const orderId = placed.data.placeOrder.id;
    await waitFor('the PAID update', async () => (paid.messages.some((m) => m.data?.paid.id === orderId) ? true : undefined));
    await sleep(QUIET_MS);
    const forOrder = paid.messages.filter((m) => m.data?.paid.id === orderId);
    expect(forOrder.map((m) => m.data!.paid)).toEqual([{ id: orderId, status: 'PAID', customer: { id: customer.id } }]);
  });

  it('events out of order or repeated on the bus are delivered once each, in sequence order', async () => {
    const customer = await customerWithCard();
    const { orderId, resume } = await placeHeldOrder(customer);
    await resume();
    await waitForStatus(stack, customer.token, orderId, ['PAID']);
    // Only fields the event carries: answered from the event, no query per delivery.
    const sub = follow(connect(customer.token), `subscription($id: ID!) { o: orderStatusChanged(orderId: $id) { id status statusVersion failureReason } }`, { id: orderId });
    await sub.waitForMessages(1);
    const executionsBefore = stack.gateway.subscriptions.stats().executions;

    const event = { orderId, customerId: customer.id };
    await publishStatusChanged(stack.bus, { ...event, status: 'DELIVERED', previousStatus: 'SHIPPED', sequence: 5 });
    await publishStatusChanged(stack.bus, { ...event, status: 'PAID', previousStatus: 'RESERVED', sequence: 3 });
    await publishStatusChanged(stack.bus, { ...event, status: 'SHIPPED', previousStatus: 'PAID', sequence: 4 });
    await publishStatusChanged(stack.bus, { ...event, status: 'SHIPPED', previousStatus: 'PAID', sequence: 4 });
    await sub.waitForMessages(3);
    await sleep(QUIET_MS);

    expect(sub.messages.map((m) => m.data!.o)).toEqual([
      { id: orderId, status: 'PAID', statusVersion: 3, failureReason: null },
      { id: orderId, status: 'SHIPPED', statusVersion: 4, failureReason: null },
      { id: orderId, status: 'DELIVERED', statusVersion: 5, failureReason: null },
    ]);
    expect(stack.gateway.subscriptions.stats().executions).toBe(executionsBefore);
  });

  it("an event naming another customer is not delivered to the order's subscriber", async () => {
    const customer = await customerWithCard();
    const { orderId, resume } = await placeHeldOrder(customer);
    await resume();
    await waitForStatus(stack, customer.token, orderId, ['PAID']);
    const sub = follow(connect(customer.token), `subscription($id: ID!) { orderStatusChanged(orderId: $id) { status } }`, { id: orderId });
    await sub.waitForMessages(1);
    const stranger = await stack.registerCustomer();
    await publishStatusChanged(stack.bus, { orderId, customerId: stranger.id, status: 'SHIPPED', previousStatus: 'PAID', sequence: 4 });
    await sleep(QUIET_MS);
    expect(statuses(sub)).toEqual(['PAID']);
  });

  it('after a NATS reconnect, a subscriber is sent the state it missed while NATS was away', async () => {
    const customer = await customerWithCard();
    const { orderId, resume } = await placeHeldOrder(customer);
    await resume();
    await waitForStatus(stack, customer.token, orderId, ['PAID']);
    const sub = follow(connect(customer.token), `subscription($id: ID!) { orderStatusChanged(orderId: $id) { status statusVersion } }`, { id: orderId });
    await sub.waitForMessages(1);

    // A change whose event this gateway never receives, as if published while it was disconnected.
    await stack.subgraphs.order.db.orm.em.getConnection().execute(`update orders set status = 'SHIPPED', status_sequence = 4 where id = ?`, [orderId]);
    const bus = stack.gateway.subscriptions.bus!;
    const resyncs = stack.gateway.subscriptions.stats().events!.resyncs;
    await bus.nc.reconnect();
    await waitFor('the resync', async () => (stack.gateway.subscriptions.stats().events!.resyncs > resyncs ? true : undefined));
    await sub.waitForMessages(2);
    await sleep(QUIET_MS);
    expect(sub.messages.map((m) => m.data!.orderStatusChanged)).toEqual([
      { status: 'PAID', statusVersion: 3 },
      { status: 'SHIPPED', statusVersion: 4 },
    ]);
  });

  it('applies the HTTP operation limits over WebSocket, and caps operations per connection', async () => {
    const customer = await stack.registerCustomer();
    const nest = (n: number): string => (n === 0 ? 'id' : `customer { orders { nodes { ${nest(n - 1)} } } }`);
    const tooDeep = follow(connect(customer.token), `subscription { myOrderUpdates { ${nest(4)} } }`);
    await tooDeep.ended;
    expect((tooDeep.error as { extensions?: { code?: string } }[])[0]).toMatchObject({ extensions: { code: 'OPERATION_LIMIT_EXCEEDED' }, message: expect.stringContaining('depth') });
    const overHttp = await stack.query(`{ me { orders { nodes { ${nest(4)} } } } }`, {}, customer.token);
    expect(overHttp.errors?.[0]).toMatchObject({ extensions: { code: 'OPERATION_LIMIT_EXCEEDED' }, message: expect.stringContaining('depth') });

    const c = connect(customer.token);
    const max = loadGatewayConfig(stack.env).subscriptions.maxPerConnection;
    const open = Array.from({ length: max }, () => follow(c, `subscription { myOrderUpdates { id } }`));
    await sleep(QUIET_MS);
    const extra = follow(c, `subscription { myOrderUpdates { id } }`);
    await extra.ended;
    expect((extra.error as { extensions?: { code?: string } }[])[0].extensions?.code).toBe('OPERATION_LIMIT_EXCEEDED');
    expect(open.every((f) => f.error === undefined && !f.completed)).toBe(true);
    open.forEach((f) => f.unsubscribe());
  });

  it('queries run over the socket too, as the connected customer', async () => {
    const customer = await stack.registerCustomer('Socket Sam');
    const c = connect(customer.token);
    const res = await new Promise<unknown>((resolve, reject) => {
      c.client.subscribe({ query: '{ me { name } }' }, { next: resolve, error: reject, complete: () => {} });
    });
    expect(res).toEqual({ data: { me: { name: 'Socket Sam' } } });
  });

  it('a stopping gateway closes its sockets with 1001 and a reason', async () => {
    const second = await startGateway();
    const customer = await stack.registerCustomer();
    const c = connect(customer.token, second.url);
    const sub = follow(c, `subscription { myOrderUpdates { id } }`);
    await waitFor('the subscription to reach the gateway', async () => (second.app.subscriptions.stats().listeners > 0 ? true : undefined));
    await second.app.stop();
    await sub.ended;
    expect(c.closes[0]).toMatchObject({ code: 1001, reason: 'Going away' });
    expect(second.app.subscriptions.stats().listeners).toBe(0);
  });
});
