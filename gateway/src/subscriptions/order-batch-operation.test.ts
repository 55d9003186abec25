import { parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { OperationLimits } from '../limits.js';
import { NO_ORDER_ID, OrderBatchOperations } from './order-batch-operation.js';
import { orderQuery, schema } from './subscription-batching.fixtures.js';

const limits: OperationLimits = { maxDepth: 12, maxAliases: 30, maxRootFields: 20, maxTokens: 5000, maxCost: 10_000 };
const lines = orderQuery(`subscription { myOrderUpdates { id status items { quantity product { name } } } }`);

describe('OrderBatchOperations', () => {
  it('reads one order alone, or as many as the operation limits let through; each selection is prepared once', () => {
    const ops = new OrderBatchOperations(limits);
    expect(ops.maxSize(schema, lines)).toBe(20);
    expect([1, 2, 3, 19, 20].map((n) => ops.forCount(schema, lines, n).size)).toEqual([1, 20, 20, 20, 20]);
    expect(ops.toPrepare(schema, lines).map((op) => op.size)).toEqual([1, 20]);
    expect(ops.toPrepare(schema, lines)).toEqual([]);
  });

  it("counts the client's own aliases, the cost of its lists, and its own cap", () => {
    const aliased = orderQuery(`subscription { myOrderUpdates { s: status v: statusVersion } }`);
    expect(new OrderBatchOperations(limits).maxSize(schema, aliased)).toBe(10);
    // Each order costs 1, its (assumed) 10 lines 1 each and their products 1 each: 21.
    expect(new OrderBatchOperations({ ...limits, maxCost: 100 }).maxSize(schema, lines)).toBe(4);
    expect(new OrderBatchOperations({ ...limits, maxRootFields: 1000, maxAliases: 1000 }, 64).maxSize(schema, lines)).toBe(64);
  });

  it("is a valid query that keeps the client's variables and fragments, with id variables of its own", () => {
    const query = orderQuery(
      `subscription($orderId_1: Boolean!) { orderStatusChanged(orderId: "o") { id ...Lines @include(if: $orderId_1) } }
       fragment Lines on Order { items { quantity } }`,
      { orderId_1: true },
    );
    const op = new OrderBatchOperations(limits).forCount(schema, query, 2);
    expect(validate(schema, parse(op.text))).toEqual([]);
    expect(op.text).toContain('fragment Lines on Order');
    expect(op.text).toContain('o1: order(id: $orderId__1)');
    expect(op.text).toContain('$orderId_1: Boolean!');
    // Places beyond the orders asked for read an order that does not exist.
    const variables = op.variables(query, ['a']);
    expect(variables).toMatchObject({ orderId_1: true, orderId__0: 'a', orderId__1: NO_ORDER_ID });
    expect(Object.keys(variables)).toHaveLength(1 + op.size);
  });

  it("splits a result into each order's read: its data, its own errors (paths from `order`) and the operation's", () => {
    const op = new OrderBatchOperations(limits).forCount(schema, lines, 3);
    const reads = op.split(
      {
        data: { o0: null, o1: { id: 'b', items: null }, o2: { id: 'c' }, o3: null },
        errors: [
          { message: 'FORBIDDEN', path: ['o0'] },
          { message: 'inventory down', path: ['o1', 'items'] },
          { message: 'somewhere' },
        ],
      },
      3,
    );
    expect(reads).toEqual([
      { order: null, errors: [{ message: 'FORBIDDEN', path: ['order'] }, { message: 'somewhere' }] },
      { order: { id: 'b', items: null }, errors: [{ message: 'inventory down', path: ['order', 'items'] }, { message: 'somewhere' }] },
      { order: { id: 'c' }, errors: [{ message: 'somewhere' }] },
    ]);
  });
});
