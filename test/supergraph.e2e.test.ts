import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from '../lib/testing/stack.js';
import { insertPaidOrder, insertProducts } from './fixtures.js';

const ORDER_ACROSS_ALL_SUBGRAPHS = /* GraphQL */ `
  query Order($id: ID!) {
    order(id: $id) {
      id
      status
      total { cents currencyCode amount }
      customer { id name email }
      items { quantity unitPrice { cents } lineTotal { amount } product { id name stockQuantity available price { cents } } }
      statusHistory { status }
      payment { status attempts amount { cents } method { brand last4 } }
      notifications { channel template recipient status }
    }
  }
`;

describe('the supergraph over HTTP', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('resolves one order across all four subgraphs with every value right', async () => {
    const customer = await stack.registerCustomer('Ada Lovelace');
    const [lamp, mug] = await insertProducts(stack, [
      { name: 'Brass Desk Lamp', priceCents: 4999, stock: 12 },
      { name: 'Stoneware Mug', priceCents: 1250, stock: 80 },
    ]);
    const { order, payment } = await insertPaidOrder(stack, customer, [
      { product: lamp, quantity: 1 },
      { product: mug, quantity: 3 },
    ]);

    const res = await stack.query(ORDER_ACROSS_ALL_SUBGRAPHS, { id: order.id }, customer.token);

    expect(res.errors).toBeUndefined();
    expect(res.data.order).toEqual({
      id: order.id,
      status: 'PAID',
      total: { cents: 8749, currencyCode: 'USD', amount: '87.49' },
      customer: { id: customer.id, name: 'Ada Lovelace', email: customer.email },
      items: [
        { quantity: 1, unitPrice: { cents: 4999 }, lineTotal: { amount: '49.99' }, product: { id: lamp.id, name: 'Brass Desk Lamp', stockQuantity: 12, available: 12, price: { cents: 4999 } } },
        { quantity: 3, unitPrice: { cents: 1250 }, lineTotal: { amount: '37.50' }, product: { id: mug.id, name: 'Stoneware Mug', stockQuantity: 80, available: 80, price: { cents: 1250 } } },
      ],
      statusHistory: [{ status: 'PENDING' }, { status: 'RESERVED' }, { status: 'PAID' }],
      payment: { status: payment.status, attempts: 1, amount: { cents: 8749 }, method: { brand: 'visa', last4: '4242' } },
      notifications: [{ channel: 'EMAIL', template: 'order-confirmation', recipient: customer.email, status: 'SENT' }],
    });
  });

  it('serves the catalog with cursor pagination, search and the in-stock filter', async () => {
    await insertProducts(stack, [
      { name: 'Catalog Alpha', priceCents: 100, stock: 5 },
      { name: 'Catalog Beta', priceCents: 200, stock: 0 },
      { name: 'Catalog Gamma', priceCents: 300, stock: 7 },
    ]);
    const page = `query($after: String, $inStock: Boolean) {
      products(first: 2, after: $after, search: "catalog", inStock: $inStock) { totalCount nodes { name inStock } pageInfo { hasNextPage endCursor } }
    }`;
    const first = await stack.query(page, {});
    expect(first.data.products.totalCount).toBe(3);
    expect(first.data.products.nodes.map((n: { name: string }) => n.name)).toEqual(['Catalog Alpha', 'Catalog Beta']);
    expect(first.data.products.pageInfo.hasNextPage).toBe(true);

    const second = await stack.query(page, { after: first.data.products.pageInfo.endCursor });
    expect(second.data.products.nodes.map((n: { name: string }) => n.name)).toEqual(['Catalog Gamma']);
    expect(second.data.products.pageInfo.hasNextPage).toBe(false);

    const inStock = await stack.query(page, { inStock: true });
    expect(inStock.data.products.totalCount).toBe(2);
    expect(inStock.data.products.nodes.every((n: { inStock: boolean }) => n.inStock)).toBe(true);
  });

  it('answers me, and lets an admin list customers while a customer may not', async () => {
    const customer = await stack.registerCustomer('Grace Hopper');
    const me = await stack.query(`{ me { id name role } }`, {}, customer.token);
    expect(me.data.me).toEqual({ id: customer.id, name: 'Grace Hopper', role: 'CUSTOMER' });

    const admin = await stack.adminToken();
    const list = await stack.query(`query($s: String) { customers(first: 5, search: $s) { totalCount nodes { email } } }`, { s: customer.email }, admin);
    expect(list.data.customers).toEqual({ totalCount: 1, nodes: [{ email: customer.email }] });

    const denied = await stack.query(`{ customers { totalCount } }`, {}, customer.token);
    expect(denied.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('shows a customer only their own orders and an admin everyone’s', async () => {
    const alice = await stack.registerCustomer('Alice');
    const bob = await stack.registerCustomer('Bob');
    const [p] = await insertProducts(stack, [{ name: 'Visibility Widget', priceCents: 500, stock: 10 }]);
    const { order: alicesOrder } = await insertPaidOrder(stack, alice, [{ product: p, quantity: 1 }]);
    await insertPaidOrder(stack, bob, [{ product: p, quantity: 2 }]);

    const mine = await stack.query(`{ orders(first: 10) { totalCount nodes { id customer { id } } } }`, {}, alice.token);
    expect(mine.data.orders.totalCount).toBe(1);
    expect(mine.data.orders.nodes).toEqual([{ id: alicesOrder.id, customer: { id: alice.id } }]);

    const bobReadsAlice = await stack.query(`query($id: ID!) { order(id: $id) { id } }`, { id: alicesOrder.id }, bob.token);
    expect(bobReadsAlice.data?.order ?? null).toBeNull();
    expect(bobReadsAlice.errors?.[0].extensions?.code).toBe('FORBIDDEN');

    const bobListsAlice = await stack.query(`query($c: ID) { orders(customerId: $c) { totalCount } }`, { c: alice.id }, bob.token);
    expect(bobListsAlice.errors?.[0].extensions?.code).toBe('FORBIDDEN');

    const admin = await stack.adminToken();
    const all = await stack.query(`query($c: ID) { orders(first: 10, customerId: $c) { totalCount } }`, { c: alice.id }, admin);
    expect(all.data.orders.totalCount).toBe(1);
  });

  it('reads orders by id in one request: each as order(id:) answers it, in the order asked', async () => {
    const alice = await stack.registerCustomer('Alice by ids');
    const bob = await stack.registerCustomer('Bob by ids');
    const [p] = await insertProducts(stack, [{ name: 'Batch Widget', priceCents: 700, stock: 10 }]);
    const { order: first } = await insertPaidOrder(stack, alice, [{ product: p, quantity: 1 }]);
    const { order: second } = await insertPaidOrder(stack, alice, [{ product: p, quantity: 2 }]);
    const { order: bobs } = await insertPaidOrder(stack, bob, [{ product: p, quantity: 3 }]);
    const unknown = '00000000-0000-4000-8000-000000000000';
    const byIds = `query($ids: [ID!]!) { ordersByIds(ids: $ids) { id items { quantity product { name } } } }`;

    const res = await stack.query(byIds, { ids: [second.id, unknown, bobs.id, first.id] }, alice.token);
    expect(res.data.ordersByIds).toEqual([
      { id: second.id, items: [{ quantity: 2, product: { name: 'Batch Widget' } }] },
      null,
      null,
      { id: first.id, items: [{ quantity: 1, product: { name: 'Batch Widget' } }] },
    ]);
    // Bob's order is refused in its place, without hiding Alice's.
    expect(res.errors?.map((e: { path?: unknown[]; extensions?: { code?: string } }) => [e.path, e.extensions?.code])).toEqual([
      [['ordersByIds', 2], 'FORBIDDEN'],
    ]);

    const admin = await stack.adminToken();
    const all = await stack.query(byIds, { ids: [bobs.id, first.id] }, admin);
    expect(all.errors).toBeUndefined();
    expect(all.data.ordersByIds.map((o: { id: string }) => o.id)).toEqual([bobs.id, first.id]);

    const tooMany = await stack.query(byIds, { ids: Array.from({ length: 101 }, () => unknown) }, alice.token);
    expect(tooMany.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const malformed = await stack.query(byIds, { ids: [first.id, 'nope'] }, alice.token);
    expect(malformed.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const anonymous = await stack.query(byIds, { ids: [first.id] });
    expect(anonymous.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  describe('bad input gets a clear error', () => {
    it('a malformed id is BAD_USER_INPUT', async () => {
      const customer = await stack.registerCustomer();
      const res = await stack.query(`{ order(id: "not-a-uuid") { id } }`, {}, customer.token);
      expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      const product = await stack.query(`{ product(id: "42") { id } }`);
      expect(product.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    });

    it('an unknown id is null, as the schema says', async () => {
      const customer = await stack.registerCustomer();
      const res = await stack.query(`{ order(id: "00000000-0000-4000-8000-000000000000") { id } product(id: "00000000-0000-4000-8000-000000000000") { id } }`, {}, customer.token);
      expect(res.errors).toBeUndefined();
      expect(res.data).toEqual({ order: null, product: null });
    });

    it('no token where one is needed is UNAUTHENTICATED', async () => {
      for (const q of [`{ me { id } }`, `{ orders { totalCount } }`, `{ order(id: "00000000-0000-4000-8000-000000000000") { id } }`]) {
        const res = await stack.query(q);
        expect(res.errors?.[0].extensions?.code, q).toBe('UNAUTHENTICATED');
      }
    });

    it('a bad token is UNAUTHENTICATED for the whole request', async () => {
      const res = await stack.query(`{ products { totalCount } }`, {}, 'not.a.jwt');
      expect(res.status).toBe(401);
      expect(res.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    });

    it('a wrong password is UNAUTHENTICATED with the same message as an unknown email', async () => {
      const customer = await stack.registerCustomer();
      const login = `mutation($e: String!) { login(email: $e, password: "wrong password!") { token } }`;
      const wrongPassword = await stack.query(login, { e: customer.email });
      const unknownEmail = await stack.query(login, { e: 'nobody-here@example.test' });
      expect(wrongPassword.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
      expect(unknownEmail.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
      expect(wrongPassword.errors?.[0].message).toBe(unknownEmail.errors?.[0].message);
    });

    it('a duplicate email is CONFLICT and a short password BAD_USER_INPUT', async () => {
      const customer = await stack.registerCustomer();
      const register = `mutation($i: RegisterCustomerInput!) { registerCustomer(input: $i) { token } }`;
      const dup = await stack.query(register, { i: { email: customer.email.toUpperCase(), name: 'X', password: 'long enough pw' } });
      expect(dup.errors?.[0].extensions?.code).toBe('CONFLICT');
      const short = await stack.query(register, { i: { email: 'short@example.test', name: 'X', password: 'short' } });
      expect(short.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'password' });
    });
  });

  it('reports /health and /ready', async () => {
    const base = stack.gatewayUrl.replace('/graphql', '');
    expect((await fetch(`${base}/health`)).status).toBe(200);
    const ready = await fetch(`${base}/ready`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { checks: unknown }).checks).toEqual({
      order: { ok: true },
      inventory: { ok: true },
      payment: { ok: true },
      notification: { ok: true },
      nats: { ok: true },
      running: { ok: true },
    });
  });
});
