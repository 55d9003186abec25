import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayApp, type GatewayApp } from '../gateway/src/app.js';
import { loadGatewayConfig } from '../gateway/src/config.js';
import { startStack, type TestStack } from '../lib/testing/stack.js';
import { waitFor } from '../lib/testing/wait.js';
import { firstCode, postJson, wsOperation } from './attack-helpers.js';
import { bearerParams, wsClient, type TestWsClient } from './subscription-helpers.js';

const LOGIN = `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }`;
const REGISTER = `mutation($i: RegisterCustomerInput!) { registerCustomer(input: $i) { token } }`;
const CATALOG = `{ products(first: 1) { totalCount } }`;

/** Budgets small enough to exhaust in a test, in windows long enough not to refill during one. */
const BUDGETS = {
  GATEWAY_RATE_LIMIT: '20/3600',
  GATEWAY_RATE_LIMIT_LOGIN: '5/3600',
  GATEWAY_RATE_LIMIT_LOGIN_EMAIL: '3/3600',
  GATEWAY_RATE_LIMIT_REGISTER: '3/3600',
};

describe('rate limits', () => {
  let stack: TestStack;
  /** Behind one trusted proxy, so each test speaks for clients of its own through X-Forwarded-For. */
  let url: string;
  const gateways: GatewayApp[] = [];
  const sockets: TestWsClient[] = [];
  let nextAddress = 1;
  /** A client address no other test has used, with its budgets whole. */
  const newClient = () => ({ 'x-forwarded-for': `198.51.100.${nextAddress++}` });

  const startGateway = async (env: Record<string, string>) => {
    const app = await createGatewayApp(loadGatewayConfig({ ...stack.env, ...BUDGETS, GATEWAY_PORT: '0', ...env }));
    gateways.push(app);
    return `http://127.0.0.1:${await app.start()}/graphql`;
  };
  const orderRequests = () => stack.subgraphs.order.server.requests.accepted;

  beforeAll(async () => {
    stack = await startStack();
    url = await startGateway({ GATEWAY_TRUSTED_PROXIES: '1' });
  });
  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.dispose().catch(() => {})));
    await Promise.all(gateways.map((g) => g.stop()));
    await stack?.stop();
  });

  /** RATE_LIMITED as HTTP says it: 429, a Retry-After header and the same hint in the error. */
  const expectRateLimited = (res: Awaited<ReturnType<typeof postJson>>, windowSeconds = 3600) => {
    expect(res.status).toBe(429);
    expect(firstCode(res.body)).toBe('RATE_LIMITED');
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(windowSeconds);
    expect(res.body.errors[0].extensions.retryAfterSeconds).toBe(retryAfter);
    expect(res.body.data ?? null).toBeNull();
  };

  it('login: a client gets 5 attempts, then RATE_LIMITED with a retry hint, without the order service being asked', async () => {
    const client = newClient();
    const victim = await stack.registerCustomer();
    for (let i = 0; i < 5; i++) {
      const res = await postJson(url, { query: LOGIN, variables: { e: `nobody-${i}@example.test`, p: 'guess' } }, client);
      expect(firstCode(res.body)).toBe('UNAUTHENTICATED');
    }
    const before = orderRequests();
    const refused = await postJson(url, { query: LOGIN, variables: { e: victim.email, p: 'correct horse battery' } }, client);
    expectRateLimited(refused);
    expect(orderRequests()).toBe(before);

    const elsewhere = await postJson(url, { query: LOGIN, variables: { e: victim.email, p: 'correct horse battery' } }, newClient());
    expect(elsewhere.body.data.login.token).toEqual(expect.any(String));
  });

  it('aliases do not multiply attempts: each aliased login spends a point, and over budget none runs', async () => {
    const client = newClient();
    const aliased = `mutation { ${Array.from({ length: 8 }, (_, i) => `a${i}: login(email: "x${i}@example.test", password: "guess") { token }`).join(' ')} }`;
    const before = orderRequests();
    expectRateLimited(await postJson(url, { query: aliased }, client));
    expect(orderRequests()).toBe(before);
  });

  it('login: an email gets 3 failures from any number of clients; the right password from a new client is refused too', async () => {
    const target = await stack.registerCustomer();
    for (let i = 0; i < 3; i++) {
      const res = await postJson(url, { query: LOGIN, variables: { e: target.email, p: `guess ${i}` } }, newClient());
      expect(firstCode(res.body)).toBe('UNAUTHENTICATED');
    }
    expectRateLimited(await postJson(url, { query: LOGIN, variables: { e: target.email.toUpperCase(), p: 'another guess' } }, newClient()));
    expectRateLimited(await postJson(url, { query: LOGIN, variables: { e: target.email, p: 'correct horse battery' } }, newClient()));
  });

  it('login: successful sign-ins give their point back, so the owner signing in often is never locked out', async () => {
    const owner = await stack.registerCustomer();
    for (let i = 0; i < 6; i++) {
      const res = await postJson(url, { query: LOGIN, variables: { e: owner.email, p: 'correct horse battery' } }, newClient());
      expect(res.body.data?.login.token, `sign-in ${i + 1}`).toEqual(expect.any(String));
    }
  });

  it('registerCustomer: 3 sign-ups per client, then RATE_LIMITED', async () => {
    const client = newClient();
    const register = (n: number) =>
      postJson(url, { query: REGISTER, variables: { i: { email: `rl-${Date.now()}-${n}@example.test`, name: 'Sign-up', password: 'long enough pw' } } }, client);
    for (let i = 0; i < 3; i++) expect((await register(i)).body.data.registerCustomer.token).toEqual(expect.any(String));
    const before = orderRequests();
    expectRateLimited(await register(3));
    expect(orderRequests()).toBe(before);
  });

  it('the whole API: 20 requests per client, then 429 before the body is even read; other clients are served', async () => {
    const client = newClient();
    for (let i = 0; i < 20; i++) expect((await postJson(url, { query: CATALOG }, client)).status).toBe(200);
    expectRateLimited(await postJson(url, { query: CATALOG }, client));
    // Even a body over the size limit: refused for the rate, not read for its size.
    expectRateLimited(await postJson(url, { query: CATALOG, padding: 'x'.repeat(200_000) }, client));
    expect((await postJson(url, { query: CATALOG }, newClient())).status).toBe(200);
  });

  it('WebSocket spends the same budgets: operations over a socket, and logins, once HTTP spent them', async () => {
    const customer = await stack.registerCustomer();
    const client = newClient();
    // Spend the login budget over HTTP, then try over the socket.
    for (let i = 0; i < 5; i++) await postJson(url, { query: LOGIN, variables: { e: customer.email, p: 'correct horse battery' } }, client);
    const socket = wsClient(url, bearerParams(customer.token), client);
    sockets.push(socket);
    const login = await wsOperation(socket, LOGIN, { e: customer.email, p: 'correct horse battery' });
    expect(login.errors?.[0].extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) });

    // 5 logins + 1 connection + 1 operation spent so far; 13 more operations fit in the 20.
    for (let i = 0; i < 13; i++) expect((await wsOperation(socket, CATALOG)).errors, `operation ${i + 1}`).toBeUndefined();
    const over = await wsOperation(socket, CATALOG);
    expect(over.errors?.[0].extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) });

    const another = wsClient(url, bearerParams(customer.token), client);
    sockets.push(another);
    another.client.subscribe({ query: CATALOG }, { next: () => {}, error: () => {}, complete: () => {} });
    const close = await waitFor('the refused socket to close', async () => another.closes[0]);
    expect(close.code).toBe(4429);
  });

  it('with no proxy trusted, X-Forwarded-For changes nothing: a client cannot claim fresh addresses', async () => {
    const direct = await startGateway({ GATEWAY_RATE_LIMIT: '5/3600' });
    for (let i = 0; i < 5; i++) expect((await postJson(direct, { query: CATALOG }, newClient())).status).toBe(200);
    expectRateLimited(await postJson(direct, { query: CATALOG }, newClient()));
  });
});
