import { parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { OperationLimits } from '../limits.js';
import { MAX_BATCH_ORDERS, OrderBatchOperations } from './order-batch-operation.js';
import { orderQuery, schema } from './subscription-batching.fixtures.js';

const limits: OperationLimits = { maxDepth: 12, maxAliases: 30, maxRootFields: 20, maxTokens: 5000, maxCost: 10_000 };
const lines = orderQuery(`subscription { myOrderUpdates { id status items { quantity product { name } } } }`);

describe('OrderBatchOperations', () => {
  it('reads a batch of orders in one list field, as many as the cost limit lets through; each selection is prepared once', () => {
    const ops = new OrderBatchOperations(limits);
    // Each order costs 1, its (assumed) 10 lines 1 each, their products 1 each and its owner 1: 22.
    expect(ops.maxSize(schema, lines)).toBe(MAX_BATCH_ORDERS);
    expect(new OrderBatchOperations({ ...limits, maxCost: 100 }).maxSize(schema, lines)).toBe(4);
    expect(new OrderBatchOperations({ ...limits, maxCost: 10 }).maxSize(schema, lines)).toBe(1);
    expect(new OrderBatchOperations(limits, 64).maxSize(schema, lines)).toBe(64);
    expect(ops.toPrepare(lines)).toEqual([ops.operation(lines)]);
    expect(ops.toPrepare(lines)).toEqual([]);
  });

  it("sizes a batch by the client's variables, where its cost depends on them", () => {
    const query = (n: number) =>
      orderQuery(`subscription($n: Int) { myOrderUpdates { customer { notifications(first: $n) { id } } } }`, { n });
    const ops = new OrderBatchOperations({ ...limits, maxCost: 1_000 });
    // order 1 + customer 1 + n notifications + the owner's customer 1.
    expect(ops.maxSize(schema, query(7))).toBe(100);
    expect(ops.maxSize(schema, query(97))).toBe(10);
  });

  it("is a valid query that keeps the client's variables and fragments, with an ids variable of its own", () => {
    const query = orderQuery(
      `subscription($orderIds: Boolean!) { orderStatusChanged(orderId: "o") { id ...Lines @include(if: $orderIds) } }
       fragment Lines on Order { items { quantity } }`,
      { orderIds: true },
    );
    const op = new OrderBatchOperations(limits).operation(query);
    expect(validate(schema, parse(op.text))).toEqual([]);
    expect(op.text).toContain('fragment Lines on Order');
    expect(op.text).toContain('ordersByIds(ids: $orderIds_)');
    expect(op.text).toContain('$orderIds: Boolean!');
    expect(op.variables(query, ['a', 'b'])).toEqual({ orderIds: true, orderIds_: ['a', 'b'] });
  });

  it("splits a result into each order's read: its data, its own errors (paths from `order`) and the operation's", () => {
    const op = new OrderBatchOperations(limits).operation(lines);
    const reads = op.split(
      {
        data: { ordersByIds: [null, { id: 'b', items: null }, { id: 'c' }] },
        errors: [
          { message: 'FORBIDDEN', path: ['ordersByIds', 0] },
          { message: 'inventory down', path: ['ordersByIds', 1, 'items'] },
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
    // A failed operation (no data at all) fails each read with its errors.
    expect(op.split({ errors: [{ message: 'down' }] }, 2)).toEqual([
      { order: null, errors: [{ message: 'down' }] },
      { order: null, errors: [{ message: 'down' }] },
    ]);
  });
});
