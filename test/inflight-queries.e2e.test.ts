import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InflightQueries, isQueryOperation } from '../gateway/src/inflight-queries.js';
import { startStack, type TestStack } from '../lib/testing/stack.js';
import { insertProducts } from './fixtures.js';

const PRODUCTS = `query { products(first: 5) { nodes { id name available } } }`;
const ME = `query { me { id name } }`;
const ADD_CARD = `mutation($i: AddPaymentMethodInput!) { addPaymentMethod(input: $i) { id } }`;

describe('identical subgraph queries in flight share one request', () => {
  it('shares a pending answer, hands each caller its own copy, and forgets it once answered', async () => {
    const inflight = new InflightQueries<{ n: number[] }>((v) => structuredClone(v));
    let sent = 0;
    let answer!: (v: { n: number[] }) => void;
    const send = () => {
      sent++;
      return new Promise<{ n: number[] }>((resolve) => (answer = resolve));
    };
    const first = inflight.run('k', send);
    const second = inflight.run('k', send);
    answer({ n: [1] });
    const [a, b] = await Promise.all([first, second]);
    expect(sent).toBe(1);
    expect(inflight.shared).toBe(1);
    expect(b).toEqual(a);
    expect(b).not.toBe(a);
    await inflight.run('k', async () => ({ n: [2] }));
    expect(sent).toBe(1);
    expect(inflight.shared).toBe(1);
  });

  it('tells queries from mutations and subscriptions', () => {
    expect(isQueryOperation('{ products { id } }')).toBe(true);
    expect(isQueryOperation('query Page__inventory__0($first:Int){products(first:$first){id}}')).toBe(true);
    expect(isQueryOperation('mutation($i:X){placeOrder(input:$i){id}}')).toBe(false);
    expect(isQueryOperation('subscription { orderUpdates { id } }')).toBe(false);
  });

  describe('through the gateway', () => {
    let stack: TestStack;
    beforeAll(async () => {
      stack = await startStack();
      await insertProducts(stack, [1, 2, 3].map((i) => ({ name: `Shared ${i}`, priceCents: 100 * i, stock: 5 })));
    });
    afterAll(async () => {
      await stack?.stop();
    });

    it('sends fewer subgraph requests than clients when twenty ask the same at once, and all get the same answer', async () => {
      const before = stack.subgraphs.inventory.server.requests.accepted;
      const answers = await Promise.all(Array.from({ length: 20 }, () => stack.query(PRODUCTS)));
      const sent = stack.subgraphs.inventory.server.requests.accepted - before;
      expect(answers.every((a) => a.errors === undefined)).toBe(true);
      expect(new Set(answers.map((a) => JSON.stringify(a.data))).size).toBe(1);
      expect(answers[0].data.products.nodes).toHaveLength(3);
      expect(sent).toBeGreaterThanOrEqual(1);
      expect(sent).toBeLessThan(20);
    });

    it('never shares between callers with different identities', async () => {
      const [ada, bob] = await Promise.all([stack.registerCustomer('Ada'), stack.registerCustomer('Bob')]);
      const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => stack.query(ME, {}, i % 2 ? bob.token : ada.token)));
      answers.forEach((a, i) => expect(a.data.me).toEqual(i % 2 ? { id: bob.id, name: 'Bob' } : { id: ada.id, name: 'Ada' }));
    });

    it('never shares a mutation: identical ones at once each take effect', async () => {
      const carl = await stack.registerCustomer('Carl');
      const input = { i: { cardNumber: '4242424242424242', expMonth: 12, expYear: new Date().getUTCFullYear() + 2, cvc: '123' } };
      const answers = await Promise.all([1, 2, 3].map(() => stack.query(ADD_CARD, input, carl.token)));
      expect(new Set(answers.map((a) => a.data.addPaymentMethod.id)).size).toBe(3);
    });
  });
});
