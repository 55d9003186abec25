import type { FormattedExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { Identity } from '../../../lib/auth/identity.js';
import type { GatewayContext } from '../context.js';
import type { OrderStatusEvent } from './order-event-dispatcher.js';
import { OrderResolver, type ExecuteOperation } from './order-resolver.js';
import { SHARED_READER } from './shared-reader.js';
import { orderQuery, schema } from './subscription-batching.fixtures.js';

const limits = { maxDepth: 12, maxAliases: 30, maxRootFields: 20, maxTokens: 5000, maxCost: 10_000 };
const alice: Identity = { role: 'CUSTOMER', customerId: 'alice' };
/** Who really owns each order, as the order subgraph knows it. */
const owners: Record<string, string> = { 'o-1': 'alice', 'o-2': 'alice', 'o-bob': 'bob' };

/** Answers batched reads as the subgraphs would: each order at its current state, someone else's FORBIDDEN. */
function fakeGateway() {
  const operations: { reader: Identity; orderIds: string[] }[] = [];
  const execute: ExecuteOperation = async ({ query, variables }, context: GatewayContext) => {
    const reader = context.identity!;
    const ids = variables[/ordersByIds\(ids: \$(\w+)\)/.exec(query)![1]] as string[];
    operations.push({ reader, orderIds: ids });
    const errors: FormattedExecutionResult['errors'] & unknown[] = [];
    const orders = ids.map((id, i) => {
      if (!(id in owners)) return null;
      if (reader.role === 'ADMIN' || reader.customerId === owners[id]) {
        return { id, status: 'DELIVERED', failureReason: null, statusVersion: 9, items: [{ quantity: 1 }], customer: { id: owners[id] } };
      }
      errors.push({ message: 'This order belongs to another customer.', path: ['ordersByIds', i], extensions: { code: 'FORBIDDEN' } });
      return null;
    });
    return { data: { ordersByIds: orders }, errors };
  };
  return { operations, resolver: new OrderResolver(execute, () => schema, 8, limits) };
}

const event = (orderId: string, status: OrderStatusEvent['status'], sequence: number, customerId = owners[orderId]): OrderStatusEvent => ({
  eventId: `${orderId}-${sequence}`,
  orderId,
  customerId,
  status,
  previousStatus: null,
  reason: status === 'CANCELLED' ? 'CUSTOMER_REQUEST' : null,
  sequence,
});

describe('OrderResolver.atEvents', () => {
  const lines = orderQuery(`subscription { myOrderUpdates { id status failureReason items { quantity } } }`);

  it("reads an order that changed several times once, and shows each event's own status", async () => {
    const { operations, resolver } = fakeGateway();
    const events = [event('o-1', 'PAID', 3), event('o-2', 'PAID', 3), event('o-1', 'SHIPPED', 4), event('o-1', 'CANCELLED', 5)];
    const delivered = await Promise.all(resolver.atEvents(lines, events, alice));
    expect(operations).toEqual([{ reader: SHARED_READER, orderIds: ['o-1', 'o-2'] }]);
    // The version and the owner were the gateway's own: the client selected neither.
    expect(delivered).toEqual([
      { order: { id: 'o-1', status: 'PAID', failureReason: null, items: [{ quantity: 1 }] } },
      { order: { id: 'o-2', status: 'PAID', failureReason: null, items: [{ quantity: 1 }] } },
      { order: { id: 'o-1', status: 'SHIPPED', failureReason: null, items: [{ quantity: 1 }] } },
      { order: { id: 'o-1', status: 'CANCELLED', failureReason: 'CUSTOMER_REQUEST', items: [{ quantity: 1 }] } },
    ]);
  });

  it("reads as the subscriber a selection an admin would see more of", async () => {
    const { operations, resolver } = fakeGateway();
    const notifications = orderQuery(`subscription { myOrderUpdates { id notifications { template } } }`);
    await Promise.all(resolver.atEvents(notifications, [event('o-1', 'PAID', 3)], alice));
    expect(operations.map((o) => o.reader)).toEqual([alice]);
  });

  it("does not trust an event's word for whose order it is: a mismatch is read again as the subscriber", async () => {
    const { operations, resolver } = fakeGateway();
    const [forged] = resolver.atEvents(lines, [event('o-bob', 'SHIPPED', 4, 'alice')], alice);
    const delivered = await forged;
    expect(operations.map((o) => o.reader)).toEqual([SHARED_READER, alice]);
    expect(delivered).toEqual({ order: null, errors: [{ message: 'This order belongs to another customer.', path: ['order'], extensions: { code: 'FORBIDDEN' } }] });
  });
});

describe('OrderResolver.current', () => {
  const lines = orderQuery(`subscription { myOrderUpdates { id status items { quantity } } }`);

  // The fake answers every field it knows, selected or not; only the version and the owner are the resolver's to drop.
  it('reads the first states (or resyncs) of many subscribers together, each with its version', async () => {
    const { operations, resolver } = fakeGateway();
    const states = await Promise.all([resolver.current(lines, 'o-1', alice), resolver.current(lines, 'o-2', alice), resolver.current(lines, 'o-1', alice)]);
    expect(operations).toEqual([{ reader: SHARED_READER, orderIds: ['o-1', 'o-2'] }]);
    expect(states).toEqual([
      { order: { id: 'o-1', status: 'DELIVERED', failureReason: null, items: [{ quantity: 1 }] }, errors: undefined, version: 9 },
      { order: { id: 'o-2', status: 'DELIVERED', failureReason: null, items: [{ quantity: 1 }] }, errors: undefined, version: 9 },
      { order: { id: 'o-1', status: 'DELIVERED', failureReason: null, items: [{ quantity: 1 }] }, errors: undefined, version: 9 },
    ]);
  });

  it("gives another customer's order as the subgraphs refuse it to the subscriber, and an unknown one as null", async () => {
    const { operations, resolver } = fakeGateway();
    const [bobs, unknown] = await Promise.all([resolver.current(lines, 'o-bob', alice), resolver.current(lines, 'o-none', alice)]);
    expect(operations.map((o) => o.reader)).toEqual([SHARED_READER, alice]);
    expect(bobs).toEqual({ order: null, errors: [{ message: 'This order belongs to another customer.', path: ['order'], extensions: { code: 'FORBIDDEN' } }], version: undefined });
    expect(unknown).toEqual({ order: null, errors: undefined, version: undefined });
  });
});
