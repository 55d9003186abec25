import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from '../lib/testing/stack.js';
import { waitFor } from '../lib/testing/wait.js';
import { insertPaidOrder, insertProducts } from './fixtures.js';
import { bearerParams, follow, publishStatusChanged, wsClient, type Followed, type TestWsClient } from './subscription-helpers.js';

const CUSTOMERS = 10;
const ORDERS_PER_CUSTOMER = 5;
/** Each order is RESERVED (version 2) when followed, then changes three times at once. */
const CHANGES = [
  { status: 'PAID', previousStatus: 'RESERVED', sequence: 3 },
  { status: 'SHIPPED', previousStatus: 'PAID', sequence: 4 },
  { status: 'DELIVERED', previousStatus: 'SHIPPED', sequence: 5 },
];
const QUIET_MS = 500;

/** Read through the shared reader: every field reads the same for the owner as for an admin. */
const FOLLOW_ORDER = `subscription($id: ID!) {
  orderStatusChanged(orderId: $id) { id status statusVersion failureReason items { quantity product { name } } payment { status } }
}`;
/** Read as the customer: an admin would see more of `notifications`. */
const MY_ORDERS = `subscription { mine: myOrderUpdates { id status statusVersion customer { name } notifications { template } } }`;
const EVERY_ORDER = `subscription { all: orderUpdates { id status statusVersion items { product { name } } } }`;

describe('a burst of changes to many orders, re-resolved in batches', () => {
  let stack: TestStack;
  const clients: TestWsClient[] = [];
  const connect = (token: string) => {
    const c = wsClient(stack.gatewayUrl, bearerParams(token));
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose().catch(() => {})));
    await stack?.stop();
  });

  it('reaches every subscriber with every status, in order, exactly once, with fields from other subgraphs', async () => {
    const [product] = await insertProducts(stack, [{ name: 'Burst Bulb', priceCents: 700, stock: 1000 }]);
    const names = Array.from({ length: CUSTOMERS }, (_, i) => `Burst Customer ${i}`);
    const customers = await Promise.all(names.map((name) => stack.registerCustomer(name)));
    const orders: { id: string; customerId: string }[] = [];
    for (const customer of customers) {
      for (let i = 0; i < ORDERS_PER_CUSTOMER; i++) {
        const { order } = await insertPaidOrder(stack, customer, [{ product, quantity: i + 1 }]);
        orders.push({ id: order.id, customerId: customer.id });
      }
    }
    await stack.subgraphs.order.db.orm.em.getConnection().execute(`update orders set status = 'RESERVED', status_sequence = 2 where id in (${orders.map(() => '?').join(', ')})`, orders.map((o) => o.id));

    // One socket per customer: a subscription per order and one to all of theirs; an admin follows everything.
    const followers = new Map<string, Followed>();
    const feeds = new Map<string, Followed>();
    for (const customer of customers) {
      const socket = connect(customer.token);
      for (const order of orders.filter((o) => o.customerId === customer.id)) followers.set(order.id, follow(socket, FOLLOW_ORDER, { id: order.id }));
      feeds.set(customer.id, follow(socket, MY_ORDERS));
    }
    const admin = follow(connect(await stack.adminToken()), EVERY_ORDER);
    const stranger = follow(connect(customers[1].token), FOLLOW_ORDER, { id: orders[0].id });
    await Promise.all([...followers.values()].map((f) => f.waitForMessages(1)));
    await stranger.ended;
    const listeners = CUSTOMERS * ORDERS_PER_CUSTOMER + CUSTOMERS + 1;
    await waitFor('every subscription to reach the gateway', async () => (stack.gateway.subscriptions.stats().listeners === listeners ? true : undefined));

    const before = stack.gateway.subscriptions.stats();
    // All at once, as a relay catching up would publish them: each order's changes in order, orders interleaved.
    await Promise.all(CHANGES.flatMap((change) => orders.map((o) => publishStatusChanged(stack.bus, { orderId: o.id, customerId: o.customerId, ...change }))));
    await Promise.all([...followers.values()].map((f) => f.waitForMessages(1 + CHANGES.length, 30_000)));
    await Promise.all([...feeds.values()].map((f) => f.waitForMessages(ORDERS_PER_CUSTOMER * CHANGES.length, 30_000)));
    await admin.waitForMessages(orders.length * CHANGES.length, 30_000);
    await sleep(QUIET_MS);
    const after = stack.gateway.subscriptions.stats();

    const expectedLines = (order: (typeof orders)[number]) => [{ quantity: orders.indexOf(order) % ORDERS_PER_CUSTOMER + 1, product: { name: 'Burst Bulb' } }];
    for (const order of orders) {
      const messages = followers.get(order.id)!.messages;
      expect(messages.every((m) => m.errors === undefined)).toBe(true);
      expect(messages.map((m) => m.data!.orderStatusChanged)).toEqual(
        [{ status: 'RESERVED', sequence: 2 }, ...CHANGES].map(({ status, sequence }) => ({
          id: order.id,
          status,
          statusVersion: sequence,
          failureReason: null,
          items: expectedLines(order),
          payment: { status: 'CAPTURED' },
        })),
      );
    }
    for (const [i, customer] of customers.entries()) {
      const updates = feeds.get(customer.id)!.messages.map((m) => {
        expect(m.errors).toBeUndefined();
        return m.data!.mine;
      });
      const own = orders.filter((o) => o.customerId === customer.id);
      expect(updates).toHaveLength(own.length * CHANGES.length);
      for (const order of own) {
        expect(updates.filter((u) => u.id === order.id)).toEqual(
          CHANGES.map(({ status, sequence }) => ({
            id: order.id,
            status,
            statusVersion: sequence,
            customer: { name: names[i] },
            notifications: [{ template: 'order-confirmation' }],
          })),
        );
      }
    }
    const all = admin.messages.map((m) => m.data!.all);
    expect(all).toHaveLength(orders.length * CHANGES.length);
    for (const order of orders) {
      expect(all.filter((u) => u.id === order.id).map((u) => [u.status, u.statusVersion, u.items[0].product.name])).toEqual(
        CHANGES.map(({ status, sequence }) => [status, sequence, 'Burst Bulb']),
      );
    }
    expect(stranger.messages.map((m) => m.errors?.[0].extensions?.code)).toEqual(['FORBIDDEN']);

    // 150 events reach 61 subscribers (600 deliveries); one operation per delivery would be 450 at
    // the least. Batched, each operation reads many orders for many subscribers.
    const executions = after.executions - before.executions;
    const ordersRead = after.batchedOrders - before.batchedOrders;
    expect(executions).toBeLessThan(CHANGES.length * orders.length);
    expect(ordersRead / executions).toBeGreaterThan(2);
  });
});
