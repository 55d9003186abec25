import { describe, expect, it } from 'vitest';
import { measureExactCounts, PAGE_SIZES } from '../bench/scenarios/exact-counts.js';

describe('the benchmark queries cost the same at every page size (bench scenario 1)', () => {
  it('counts SQL statements and subgraph fetches for pages of 1, 10, 50 and 100', async () => {
    const counts = await measureExactCounts();
    // products: the page and its count, from inventory alone.
    const products = { sql: { order: 0, inventory: 2, payment: 0, notification: 0 }, fetches: { order: 0, inventory: 1, payment: 0, notification: 0 } };
    // orders: the page, customers and lines (order); products (inventory); payments and cards
    // (payment); notifications: one fetch per subgraph, one statement per batched field.
    const orders = { sql: { order: 3, inventory: 1, payment: 2, notification: 1 }, fetches: { order: 1, inventory: 1, payment: 1, notification: 1 } };
    for (const n of PAGE_SIZES) {
      expect(counts.queries.products[n], `products × ${n}`).toEqual(products);
      expect(counts.queries.orders[n], `orders × ${n}`).toEqual(orders);
    }
    expect(counts.constant).toBe(true);
  });
});
