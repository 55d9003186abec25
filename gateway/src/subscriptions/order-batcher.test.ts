import type { FormattedExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { Identity } from '../../../lib/auth/identity.js';
import type { OperationLimits } from '../limits.js';
import { OrderBatchOperations } from './order-batch-operation.js';
import { OrderBatcher, type RunOperation } from './order-batcher.js';
import { orderQuery, schema } from './subscription-batching.fixtures.js';

const limits: OperationLimits = { maxDepth: 12, maxAliases: 30, maxRootFields: 20, maxTokens: 5000, maxCost: 10_000 };
const query = orderQuery(`subscription { myOrderUpdates { id items { quantity } } }`);
const reader: Identity = { role: 'ADMIN', customerId: 'reader' };
const customer: Identity = { role: 'CUSTOMER', customerId: 'c-1' };

interface Call {
  ids: string[];
  reader: Identity;
  done: boolean;
  finish(result?: FormattedExecutionResult): void;
}

/** Operations that wait until the test finishes them; by default each order answers with its id. */
function fakeGateway() {
  const calls: Call[] = [];
  const run: RunOperation = ({ query: text, variables }, who) =>
    new Promise((resolve) => {
      const ids = variables[/ordersByIds\(ids: \$(\w+)\)/.exec(text)![1]] as string[];
      const call: Call = {
        ids,
        reader: who,
        done: false,
        finish: (result) => {
          call.done = true;
          resolve(result ?? { data: { ordersByIds: ids.map((id) => ({ id })) } });
        },
      };
      calls.push(call);
    });
  // Batches of at most 20 orders, to see them capped.
  return { calls, batcher: new OrderBatcher(run, new OrderBatchOperations(limits, 20), () => schema, 2) };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

/** Finishes operations as they start, one at a time, until none is left. */
async function finishEach(calls: Call[]): Promise<void> {
  for (let idle = 0; idle < 5; ) {
    await turn();
    const next = calls.find((c) => !c.done);
    if (next) {
      next.finish();
      idle = 0;
    } else idle++;
  }
}

describe('OrderBatcher', () => {
  it('reads queued orders together, once each however many wait for them, and only after they were asked for', async () => {
    const { calls, batcher } = fakeGateway();
    const first = batcher.read(query, 'a', reader);
    await turn();
    expect(calls.map((c) => c.ids)).toEqual([['a']]);

    // While `a` is being read: `a` again (it may have changed since that read started), `b` twice.
    const later = [batcher.read(query, 'a', reader), batcher.read(query, 'b', reader), batcher.read(query, 'b', reader)];
    await turn();
    expect(calls.map((c) => c.ids)).toEqual([['a'], ['a', 'b']]);
    calls[0].finish();
    calls[1].finish();
    expect(await first).toEqual({ order: { id: 'a' } });
    expect(await Promise.all(later)).toEqual([{ order: { id: 'a' } }, { order: { id: 'b' } }, { order: { id: 'b' } }]);
  });

  it('keeps readers apart, caps a batch at its largest size, and queues past the batches in flight', async () => {
    const { calls, batcher } = fakeGateway();
    const reads = Array.from({ length: 45 }, (_, i) => batcher.read(query, `o${i}`, reader));
    const mine = batcher.read(query, 'o0', customer);
    for (let i = 0; i < 3; i++) await turn();
    // Two in flight: 20 orders of the shared reader, then the customer's own read.
    expect(calls.map((c) => [c.reader.customerId, c.ids.length])).toEqual([
      ['reader', 20],
      ['c-1', 1],
    ]);
    await finishEach(calls);
    expect(calls.map((c) => c.ids.length)).toEqual([20, 1, 20, 5]);
    expect((await Promise.all(reads)).map((r) => r.order?.id)).toEqual(Array.from({ length: 45 }, (_, i) => `o${i}`));
    expect(await mine).toEqual({ order: { id: 'o0' } });
  });

  it('fails every read of an operation that failed, and goes on with the next', async () => {
    const failing: RunOperation = async ({ variables }) => {
      if (JSON.stringify(variables).includes('bad')) throw new Error('gateway down');
      return { data: { ordersByIds: [{ id: 'ok' }] } };
    };
    const batcher = new OrderBatcher(failing, new OrderBatchOperations(limits), () => schema, 1);
    const failed = expect(batcher.read(query, 'bad', reader)).rejects.toThrow('gateway down');
    await turn();
    const next = batcher.read(query, 'ok', reader);
    await failed;
    expect(await next).toEqual({ order: { id: 'ok' } });
  });
});
