import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayApp, type GatewayApp } from '../gateway/src/app.js';
import { loadGatewayConfig, type GatewayConfig } from '../gateway/src/config.js';
import { startStack, type TestStack } from '../lib/testing/stack.js';
import { waitFor } from '../lib/testing/wait.js';
import { firstCode, postJson, rawRequest, recordSubgraphCallers, wsOperation } from './attack-helpers.js';
import { insertPaidOrder, insertProducts } from './fixtures.js';
import { forgedTokens } from './forged-tokens.js';
import { hostileCorpus, type HostileCase } from './hostile-corpus.js';
import { bearerParams, wsClient, type TestWsClient } from './subscription-helpers.js';

const GOOD_QUERY = `{
  me { name orders(first: 5) { totalCount nodes { id status items { quantity product { name } } payment { status } notifications { template } } } }
  products(first: 5) { nodes { name price { amount } } }
}`;

/**
 * A gateway in production mode, attacked with the hostile corpus over HTTP and WebSocket while a
 * customer keeps using it: every attack is refused with its code, none reaches a subgraph, and
 * the customer notices nothing.
 */
describe('the hostile corpus, against a production gateway', () => {
  let stack: TestStack;
  let gateway: GatewayApp;
  let config: GatewayConfig;
  let url: string;
  let attacker: { id: string; token: string };
  let customer: { id: string; email: string; token: string };
  const sockets: TestWsClient[] = [];
  const socket = (token: string) => {
    const c = wsClient(url, bearerParams(token));
    sockets.push(c);
    return c;
  };

  beforeAll(async () => {
    stack = await startStack();
    // The stack's subgraphs, behind a second gateway with production settings; its login budget is
    // small so that a handful of aliased logins exhausts it.
    config = loadGatewayConfig({ ...stack.env, NODE_ENV: 'production', GATEWAY_PORT: '0', GATEWAY_RATE_LIMIT_LOGIN: '5/3600' });
    gateway = await createGatewayApp(config);
    url = `http://127.0.0.1:${await gateway.start()}/graphql`;
    attacker = await stack.registerCustomer('Mallory');
    customer = await stack.registerCustomer('Good Customer');
    const [product] = await insertProducts(stack, [{ name: 'Hostile Lamp', priceCents: 1999, stock: 50 }]);
    await insertPaidOrder(stack, customer, [{ product, quantity: 2 }]);
  });
  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.dispose().catch(() => {})));
    await gateway?.stop();
    await stack?.stop();
  });

  async function overHttp(c: HostileCase) {
    const auth: Record<string, string> = c.token ? { authorization: `Bearer ${c.token}` } : {};
    const res = c.raw
      ? await rawRequest(`${url}${c.raw.search ?? ''}`, { method: c.raw.method ?? 'POST', headers: { ...c.raw.headers, ...auth }, body: c.raw.body })
      : await postJson(url, c.operation, auth);
    return { name: c.name, status: res.status, code: firstCode(res.body), text: res.text };
  }

  async function overWebSocket(c: HostileCase) {
    const ws = socket(c.token ?? attacker.token);
    const result = await wsOperation(ws, c.operation!.query, c.operation!.variables);
    if (c.wsClose !== undefined) {
      const close = await waitFor(`the socket for "${c.name}" to close`, async () => ws.closes[0]);
      return { name: c.name, code: close.code, text: JSON.stringify(result) };
    }
    return { name: c.name, code: result.errors?.[0]?.extensions?.code, text: JSON.stringify(result) };
  }

  it('refuses every case with its code over HTTP and WebSocket, reaches no subgraph, and good queries keep succeeding throughout', async () => {
    const badTokens = await forgedTokens(stack.env, { customerId: customer.id, role: 'ADMIN' }, attacker.token);
    const corpus = hostileCorpus({ maxBodyBytes: config.maxBodyBytes, ...config.limits }, badTokens);
    const recorder = recordSubgraphCallers(stack);

    let attacking = true;
    const goodAnswers: { status: number; errors?: unknown; name?: string }[] = [];
    const goodStream = Promise.all(
      Array.from({ length: 4 }, async () => {
        while (attacking || goodAnswers.length < 20) {
          const res = await postJson(url, { query: GOOD_QUERY }, { authorization: `Bearer ${customer.token}` });
          goodAnswers.push({ status: res.status, errors: res.body.errors, name: res.body.data?.me?.name });
        }
      }),
    );
    let httpResults: Awaited<ReturnType<typeof overHttp>>[];
    let wsResults: Awaited<ReturnType<typeof overWebSocket>>[];
    try {
      // Each case three times at once, so the corpus arrives as a burst beside the good traffic.
      httpResults = await Promise.all(corpus.flatMap((c) => [c, c, c]).map(overHttp));
      wsResults = await Promise.all(corpus.filter((c) => !c.httpOnly).map(overWebSocket));
    } finally {
      attacking = false;
      await goodStream;
      recorder.stop();
    }

    for (const r of httpResults) {
      const c = corpus.find((k) => k.name === r.name)!;
      expect({ name: r.name, status: r.status, code: r.code }).toEqual({ name: c.name, status: c.expect.status, code: c.expect.code });
      expect(r.text, r.name).not.toMatch(/did you mean|stacktrace/i);
      if (c.expect.without) expect(r.text, r.name).not.toMatch(c.expect.without);
    }
    for (const r of wsResults) {
      const c = corpus.find((k) => k.name === r.name)!;
      expect({ name: r.name, code: r.code }).toEqual({ name: c.name, code: c.wsClose ?? c.expect.code });
      expect(r.text, r.name).not.toMatch(/did you mean|stacktrace/i);
    }

    // Only the good customer's queries reached the subgraphs: not one request of the corpus did.
    expect(recorder.callers.filter((c) => c.userId !== customer.id)).toEqual([]);
    expect(recorder.count(customer.id)).toBeGreaterThan(0);

    expect(goodAnswers.length).toBeGreaterThanOrEqual(20);
    expect(goodAnswers.filter((a) => a.status !== 200 || a.errors !== undefined || a.name !== 'Good Customer')).toEqual([]);
  });

  it('closes a socket whose message is over the size limit (1009), before parsing it', async () => {
    const ws = socket(customer.token);
    expect((await wsOperation(ws, `{ me { name } }`)).data).toEqual({ me: { name: 'Good Customer' } });
    await wsOperation(ws, `{ products(first: 1) { totalCount } } # ${'x'.repeat(config.maxBodyBytes)}`);
    const close = await waitFor('the socket to close', async () => ws.closes[0]);
    expect(close.code).toBe(1009);
  });

  it('masks an unexpected failure: no SQL, no stack, no subgraph internals, and the code kept', async () => {
    const query = `{ products(first: 1) { nodes { id } } }`;
    const db = stack.subgraphs.inventory.db.orm.em.getConnection();
    // The catalog is sorted by name: without that column, its SQL fails.
    await db.execute('alter table products rename column name to name_gone');
    try {
      const production = await postJson(url, { query });
      const development = await postJson(stack.gatewayUrl, { query });
      // The development gateway shows what went wrong, so there was something to hide.
      expect(development.text).toMatch(/does not exist/);
      expect(production.body.errors).toEqual([{ message: 'Internal server error', path: ['products'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }]);
      expect(production.text).not.toMatch(/name|select|column|exist|stacktrace|inventory/i);
    } finally {
      await db.execute('alter table products rename column name_gone to name');
    }
  });
});
