import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from '../lib/testing/stack.js';
import { insertPaidOrder, insertProducts } from './fixtures.js';

/** A federated page of orders that touches every subgraph and every batched field. */
const ORDER_PAGE = /* GraphQL */ `
  query OrderPage($first: Int!) {
    orders(first: $first) {
      nodes {
        id
        total { cents }
        customer { name }
        items { quantity product { name available } }
        statusHistory { status }
        payment { status method { last4 } refunds { id } }
        notifications { template }
      }
    }
  }
`;

describe('batching: a page of orders costs the same SQL for 1, 10 and 50 orders', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack();
    const customers = await Promise.all([1, 2, 3, 4, 5].map((i) => stack.registerCustomer(`Batch Customer ${i}`)));
    const products = await insertProducts(
      stack,
      Array.from({ length: 8 }, (_, i) => ({ name: `Batch Product ${i}`, priceCents: 100 * (i + 1), stock: 100 })),
    );
    for (let i = 0; i < 50; i++) {
      await insertPaidOrder(
        stack,
        customers[i % customers.length],
        [
          { product: products[i % products.length], quantity: 1 },
          { product: products[(i + 3) % products.length], quantity: 2 },
        ],
        new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
      );
    }
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('counts statements per subgraph and finds them equal at every page size', async () => {
    const admin = await stack.adminToken();
    const counts: Record<number, Record<string, number>> = {};
    for (const first of [1, 10, 50]) {
      stack.resetSqlCounts();
      const res = await stack.query(ORDER_PAGE, { first }, admin);
      expect(res.errors).toBeUndefined();
      expect(res.data.orders.nodes).toHaveLength(first);
      for (const node of res.data.orders.nodes) {
        expect(node.items).toHaveLength(2);
        expect(node.items.every((i: { product: { name: string } }) => i.product.name.startsWith('Batch Product'))).toBe(true);
        expect(node.payment.method.last4).toBe('4242');
        expect(node.notifications).toHaveLength(1);
      }
      counts[first] = stack.sqlCounts();
    }
    // order: the page, its customers, items, status history; inventory: products;
    // payment: payments and their cards and refunds; notification: notifications.
    const expected = { order: 4, inventory: 1, payment: 3, notification: 1 };
    expect(counts[1]).toEqual(expected);
    expect(counts[10]).toEqual(expected);
    expect(counts[50]).toEqual(expected);
  });
});
