import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envName, SUBGRAPH_NAMES, type SubgraphName } from '../lib/config.js';
import { startStack, type TestStack } from '../lib/testing/stack.js';
import { firstCode, postJson, rawRequest, recordSubgraphCallers } from './attack-helpers.js';
import { insertPaidOrder, insertProducts } from './fixtures.js';
import { forgedTokens } from './forged-tokens.js';
import { bearerParams, wsClient, type TestWsClient } from './subscription-helpers.js';
import { waitFor } from '../lib/testing/wait.js';

/**
 * The trust boundary, attacked from outside: subgraphs reached directly, identity headers forged
 * through the gateway, and tokens forged every way a verifier is known to fall for.
 */
describe('the trust boundary', () => {
  let stack: TestStack;
  let alice: { id: string; email: string; token: string };
  let bob: { id: string; email: string; token: string };
  /** Alice's records: none of these may ever reach anyone else. */
  let victim: { orderId: string; paymentId: string; methodId: string; notificationId: string; productId: string };
  const sockets: TestWsClient[] = [];

  beforeAll(async () => {
    stack = await startStack();
    alice = await stack.registerCustomer('Alice Victim');
    bob = await stack.registerCustomer('Bob Attacker');
    const [product] = await insertProducts(stack, [{ name: 'Boundary Lamp', priceCents: 1500, stock: 10 }]);
    const { order, payment, notification } = await insertPaidOrder(stack, alice, [{ product, quantity: 1 }]);
    victim = { orderId: order.id, paymentId: payment.id, methodId: payment.paymentMethodId!, notificationId: notification.id, productId: product.id };
  });
  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.dispose().catch(() => {})));
    await stack?.stop();
  });

  describe('subgraphs answer only the gateway', () => {
    /** Operations an attacker who reached a subgraph would send: the federation internals first. */
    const operations = (name: SubgraphName): { query: string; variables?: Record<string, unknown> }[] => {
      const entities = {
        order: [{ __typename: 'Order', id: victim.orderId }, { __typename: 'Customer', id: alice.id }],
        inventory: [{ __typename: 'Product', id: victim.productId }],
        payment: [{ __typename: 'Payment', id: victim.paymentId }, { __typename: 'PaymentMethod', id: victim.methodId }, { __typename: 'Customer', id: alice.id }],
        notification: [{ __typename: 'Notification', id: victim.notificationId }, { __typename: 'Customer', id: alice.id }],
      }[name];
      const own = {
        order: [`{ orders(first: 100) { nodes { id } } customers { nodes { email } } }`, `mutation { login(email: "${alice.email}", password: "guess") { token } }`],
        inventory: [`{ products { nodes { id } } }`, `mutation { adjustStock(productId: "${victim.productId}", delta: 1000, reason: "free stock") { id } }`],
        payment: [`mutation { refundPayment(paymentId: "${victim.paymentId}", amountCents: 1500) { id } }`, `mutation { removePaymentMethod(id: "${victim.methodId}") }`],
        notification: [`{ notifications { nodes { id recipient } } webhookEndpoints { url } }`, `mutation { registerWebhook(input: { url: "https://attacker.example/hook", eventTypes: ["order.paid"] }) { secret } }`],
      }[name];
      return [
        { query: `{ _service { sdl } }` },
        { query: `query($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Order { id } } }`, variables: { r: entities } },
        { query: `{ __schema { types { name } } }` },
        ...own.map((query) => ({ query })),
      ];
    };

    /** Everything but the right secret; each also claims to be Alice, as an admin. */
    const credentials = (name: SubgraphName): Record<string, Record<string, string>> => {
      const right = stack.env[envName(name, 'GATEWAY_SECRET')]!;
      const other = stack.env[envName(SUBGRAPH_NAMES.find((n) => n !== name)!, 'GATEWAY_SECRET')]!;
      return {
        none: {},
        empty: { 'x-gateway-secret': '' },
        random: { 'x-gateway-secret': randomBytes(right.length / 2).toString('hex') },
        "another subgraph's": { 'x-gateway-secret': other },
        'one character longer': { 'x-gateway-secret': `${right}0` },
        'one character shorter': { 'x-gateway-secret': right.slice(0, -1) },
        'different case': { 'x-gateway-secret': right.toUpperCase() },
        'as a bearer token': { authorization: `Bearer ${right}` },
        'under another header': { 'x-gateway-token': right },
      };
    };
    const forgedIdentity = () => ({ 'x-user-id': alice.id, 'x-user-role': 'ADMIN' });

    it.each(SUBGRAPH_NAMES)('%s refuses every operation without its exact secret, before anything executes', async (name) => {
      const subgraph = stack.subgraphs[name];
      const before = { ...subgraph.server.requests };
      stack.resetSqlCounts();

      const attempts: Promise<{ label: string; status: number; code: unknown; data: unknown }>[] = [];
      for (const [label, headers] of Object.entries(credentials(name))) {
        const all = { ...headers, ...forgedIdentity() };
        for (const op of operations(name)) {
          attempts.push(postJson(subgraph.url, op, all).then((r) => ({ label: `${label}: ${op.query}`, status: r.status, code: firstCode(r.body), data: r.body?.data })));
        }
        const get = `${subgraph.url}?query=${encodeURIComponent('{ _service { sdl } }')}`;
        attempts.push(rawRequest(get, { method: 'GET', headers: { ...all, 'apollo-require-preflight': 'true' } }).then((r) => ({ label: `${label}: GET`, status: r.status, code: firstCode(r.body), data: r.body?.data })));
        attempts.push(postJson(subgraph.url, operations(name), all).then((r) => ({ label: `${label}: batch`, status: r.status, code: firstCode(r.body), data: r.body?.data })));
      }
      const results = await Promise.all(attempts);

      for (const r of results) expect({ label: r.label, status: r.status, code: r.code, data: r.data }).toEqual({ label: r.label, status: 401, code: 'UNAUTHENTICATED', data: undefined });
      expect(subgraph.server.requests).toEqual({ accepted: before.accepted, refused: before.refused + results.length });
      expect(stack.sqlCounts()[name]).toBe(0);
    });

    it('refuses before reading the body: a body far over the size limit still gets 401, not 413', async () => {
      const huge = JSON.stringify({ query: `{ _service { sdl } }`, padding: 'x'.repeat(5_000_000) });
      for (const name of SUBGRAPH_NAMES) {
        const res = await rawRequest(stack.subgraphs[name].url, { headers: { 'content-type': 'application/json' }, body: huge });
        expect(res.status, name).toBe(401);
      }
    });

    it('with the secret the same request would have answered: the refusals above are what protect the data', async () => {
      const res = await postJson(
        stack.subgraphs.payment.url,
        { query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on PaymentMethod { id last4 } } }`, variables: { r: [{ __typename: 'PaymentMethod', id: victim.methodId }] } },
        { 'x-gateway-secret': stack.env.PAYMENT_GATEWAY_SECRET!, 'x-user-id': alice.id, 'x-user-role': 'CUSTOMER' },
      );
      expect(res.body).toEqual({ data: { _entities: [{ id: victim.methodId, last4: '4242' }] } });
    });
  });

  describe('identity comes only from a verified token', () => {
    /** Every way through the graph to Alice's orders, payments, cards and messages. */
    const paths: { name: string; query: string; variables?: () => Record<string, unknown> }[] = [
      { name: 'order(id)', query: `query($id: ID!) { order(id: $id) { id customer { id email } payment { id method { id last4 } } notifications { id recipient } } }`, variables: () => ({ id: victim.orderId }) },
      { name: 'orders(customerId)', query: `query($c: ID) { orders(first: 100, customerId: $c) { totalCount nodes { id payment { id } } } }`, variables: () => ({ c: alice.id }) },
      { name: 'orders, nested', query: `{ orders(first: 100) { nodes { id customer { id email paymentMethods { id } notifications { id } orders { nodes { id } } } payment { id method { id } } notifications { id } } } }` },
      { name: 'me', query: `{ me { id email orders(first: 100) { nodes { id payment { id } notifications { id } } } paymentMethods { id last4 } notifications { id recipient } } }` },
      { name: 'customers (admin)', query: `{ customers(first: 100) { nodes { id email paymentMethods { id } } } }` },
      { name: 'notifications (admin)', query: `{ notifications(first: 100) { nodes { id recipient } } }` },
      { name: '_entities at the gateway', query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id } } }`, variables: () => ({ r: [{ __typename: 'Order', id: victim.orderId }] }) },
      { name: 'cancelOrder', query: `mutation($id: ID!) { cancelOrder(id: $id, reason: "mine now") { id status } }`, variables: () => ({ id: victim.orderId }) },
      { name: 'removePaymentMethod', query: `mutation($id: ID!) { removePaymentMethod(id: $id) }`, variables: () => ({ id: victim.methodId }) },
    ];
    const forgeries = (): Record<string, string>[] => [
      { 'x-user-id': alice.id, 'x-user-role': 'ADMIN' },
      { 'x-user-id': alice.id, 'x-user-role': 'CUSTOMER' },
      { 'X-User-Id': alice.id, 'X-User-Role': 'ADMIN', 'x-gateway-secret': stack.env.ORDER_GATEWAY_SECRET! },
      { 'x-user-id': alice.id, 'x-user-role': 'ADMIN', 'x-gateway-secret': stack.env.PAYMENT_GATEWAY_SECRET!, 'x-request-id': 'forged' },
      { 'x-user-id': `${bob.id}, ${alice.id}`, 'x-user-role': 'CUSTOMER, ADMIN' },
    ];

    it("100 tries with forged identity headers return none of another customer's data, and never reach a subgraph as her", async () => {
      const recorder = recordSubgraphCallers(stack);
      const secrets = [alice.id, alice.email, victim.orderId, victim.paymentId, victim.methodId, victim.notificationId];
      const tries = Array.from({ length: 100 }, (_, i) => {
        const path = paths[i % paths.length];
        const headers = { ...forgeries()[i % forgeries().length], ...(i % 2 === 0 ? { authorization: `Bearer ${bob.token}` } : {}) };
        return postJson(stack.gatewayUrl, { query: path.query, variables: path.variables?.() ?? {} }, headers).then((r) => ({ path: path.name, ...r }));
      });
      const results = await Promise.all(tries);
      recorder.stop();

      for (const r of results) {
        expect(r.status, r.path).toBeLessThan(500);
        const leaked = secrets.filter((s) => r.text.toLowerCase().includes(s.toLowerCase()));
        expect({ path: r.path, leaked }).toEqual({ path: r.path, leaked: [] });
      }
      expect(recorder.callers.length).toBeGreaterThan(0);
      expect(recorder.callers.filter((c) => c.userId !== bob.id && c.userId !== 'anonymous')).toEqual([]);
      expect(recorder.callers.filter((c) => c.role === 'ADMIN')).toEqual([]);

      // Nothing was changed on her behalf either.
      const mine = await stack.query(`query($id: ID!) { order(id: $id) { status payment { status method { id } } } }`, { id: victim.orderId }, alice.token);
      expect(mine.data.order).toEqual({ status: 'PAID', payment: { status: 'CAPTURED', method: { id: victim.methodId } } });
    });

    it('an expired, unsigned, re-signed, mis-addressed or tampered token is UNAUTHENTICATED, over HTTP and WebSocket', async () => {
      const tokens = await forgedTokens(stack.env, { customerId: alice.id, role: 'ADMIN' }, bob.token);
      const refusals = await Promise.all(
        Object.entries(tokens).map(async ([kind, token]) => {
          const http = await postJson(stack.gatewayUrl, { query: `{ me { id email } }` }, { authorization: `Bearer ${token}` });
          const socket = wsClient(stack.gatewayUrl, bearerParams(token));
          sockets.push(socket);
          socket.client.subscribe({ query: `{ me { id } }` }, { next: () => {}, error: () => {}, complete: () => {} });
          const close = await waitFor(`the socket for "${kind}" to close`, async () => socket.closes[0]);
          return { kind, status: http.status, code: firstCode(http.body), data: http.body.data, wsClose: close.code };
        }),
      );
      for (const r of refusals) expect(r).toEqual({ kind: r.kind, status: 401, code: 'UNAUTHENTICATED', data: undefined, wsClose: 4403 });

      // The genuine article still works, so each refusal was about the one thing wrong with it.
      const genuine = await stack.query(`{ me { id } }`, {}, bob.token);
      expect(genuine.data.me.id).toBe(bob.id);
    });

    it('an Authorization header that is not a bearer token is refused too', async () => {
      for (const authorization of [`Basic ${Buffer.from('a:b').toString('base64')}`, `Bearer ${bob.token} extra`, 'Bearer', `Token ${bob.token}`]) {
        const res = await postJson(stack.gatewayUrl, { query: `{ me { id } }` }, { authorization });
        expect({ authorization, status: res.status, code: firstCode(res.body) }).toEqual({ authorization, status: 401, code: 'UNAUTHENTICATED' });
      }
    });
  });
});
