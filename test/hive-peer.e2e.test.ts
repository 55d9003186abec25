import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../lib/graphql/load-schema.js';
import { bearer, postGraphQL } from '../lib/testing/graphql-client.js';
import { startStack, type TestStack } from '../lib/testing/stack.js';
import { waitFor } from '../lib/testing/wait.js';
import { answers200, freePort, ManagedProcess, RunLog } from './faults/processes.js';
import { insertPaidOrder, insertProducts } from './fixtures.js';
import { forgedTokens } from './forged-tokens.js';

const CATALOG = /* GraphQL */ `
  {
    products(first: 20) {
      totalCount
      nodes { id sku name description price { cents currencyCode amount } stockQuantity reserved available inStock }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

const ORDERS_ACROSS_ALL_SUBGRAPHS = /* GraphQL */ `
  {
    orders(first: 5) {
      totalCount
      nodes {
        id
        status
        total { cents amount }
        customer { id name email }
        items { quantity unitPrice { cents } product { id name stockQuantity price { cents } } }
        payment { status attempts amount { cents } method { brand last4 expYear } }
        notifications { channel template recipient status }
      }
    }
  }
`;

/**
 * The Hive Gateway peer the benchmarks compare against (bench/peers/hive-gateway.ts), run as its own
 * process over the same subgraphs as our gateway: it must serve the same data and hold the same
 * trust boundary, or a comparison would measure different work.
 */
describe('the Hive Gateway peer', () => {
  let stack: TestStack;
  let log: RunLog;
  let peer: ManagedProcess;
  let hiveUrl: string;
  const viaHive = (query: string, headers: Record<string, string> = {}) => postGraphQL(hiveUrl, query, {}, headers);

  beforeAll(async () => {
    stack = await startStack();
    const port = await freePort();
    hiveUrl = `http://127.0.0.1:${port}/graphql`;
    log = new RunLog(join(mkdtempSync(join(tmpdir(), 'hive-peer-')), 'run.log'));
    peer = new ManagedProcess(
      {
        name: 'hive-gateway',
        command: process.execPath,
        args: ['--import', 'tsx', 'bench/peers/hive-gateway.ts'],
        cwd: REPO_ROOT,
        env: { ...process.env, ...stack.env, HIVE_GATEWAY_PORT: String(port) },
        ready: () => answers200(`http://127.0.0.1:${port}/readiness`),
        // Loading @graphql-hive/gateway alone takes seconds, more on a busy 2-core machine.
        readyTimeoutMs: 120_000,
      },
      log,
    );
    await peer.start();
  });

  afterAll(async () => {
    await peer?.kill();
    await log?.close();
    await stack?.stop();
  });

  it('serves a single-subgraph query exactly as our gateway does', async () => {
    await insertProducts(stack, [
      { name: 'Peer Kettle', priceCents: 3999, stock: 9 },
      { name: 'Peer Teapot', priceCents: 2450, stock: 0 },
      { name: 'Peer Tray', priceCents: 1500, stock: 31 },
    ]);
    const [ours, hive] = await Promise.all([stack.query(CATALOG), viaHive(CATALOG)]);
    expect(ours.errors).toBeUndefined();
    expect(ours.data.products.totalCount).toBeGreaterThanOrEqual(3);
    expect(hive.errors).toBeUndefined();
    expect(hive.data).toEqual(ours.data);
  });

  it("serves a customer's PAID order across all four subgraphs exactly as our gateway does", async () => {
    const customer = await stack.registerCustomer('Peer Customer');
    const [lamp, mug] = await insertProducts(stack, [
      { name: 'Peer Lamp', priceCents: 4999, stock: 12 },
      { name: 'Peer Mug', priceCents: 1250, stock: 80 },
    ]);
    const { order } = await insertPaidOrder(stack, customer, [
      { product: lamp, quantity: 1 },
      { product: mug, quantity: 3 },
    ]);

    const [ours, hive] = await Promise.all([
      stack.query(ORDERS_ACROSS_ALL_SUBGRAPHS, {}, customer.token),
      viaHive(ORDERS_ACROSS_ALL_SUBGRAPHS, bearer(customer.token)),
    ]);
    expect(ours.errors).toBeUndefined();
    expect(ours.data.orders.nodes).toMatchObject([
      {
        id: order.id,
        status: 'PAID',
        customer: { id: customer.id },
        items: [{ product: { name: 'Peer Lamp' } }, { product: { name: 'Peer Mug' } }],
        payment: { status: 'CAPTURED', method: { last4: '4242' } },
        notifications: [{ template: 'order-confirmation' }],
      },
    ]);
    expect(hive.errors).toBeUndefined();
    expect(hive.data).toEqual(ours.data);
  });

  it('answers a customer-only field without a token with an error, not data', async () => {
    const res = await viaHive(`{ orders(first: 1) { totalCount } }`);
    expect(res.data ?? null).toBeNull();
    expect(res.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses every forged or broken token as a whole request', async () => {
    const victim = await stack.registerCustomer('Peer Victim');
    const attacker = await stack.registerCustomer('Peer Attacker');
    const tokens = await forgedTokens(stack.env, { customerId: victim.id, role: 'ADMIN' }, attacker.token);
    const statuses: Record<string, number> = {};
    for (const [how, token] of Object.entries(tokens)) {
      const res = await viaHive(`{ me { id } }`, bearer(token));
      expect(res.data ?? null, how).toBeNull();
      statuses[how] = res.status;
    }
    // Hive's JWT plugin answers a token it cannot even decode with 400; every other one is a 401,
    // from that plugin or, for missing `exp` or role, from the peer's own claims check.
    const expected = Object.fromEntries(Object.keys(tokens).map((how) => [how, how === 'not a JWT' ? 400 : 401]));
    expect(statuses).toEqual(expected);
  });

  it('never forwards identity or secret headers the client sent', async () => {
    const victim = await stack.registerCustomer('Peer Forgery Victim');
    const forged = { 'x-user-id': victim.id, 'x-user-role': 'ADMIN', 'x-gateway-secret': stack.env.ORDER_GATEWAY_SECRET! };

    const anonymous = await viaHive(`{ me { id } }`, forged);
    expect(anonymous.data?.me ?? null).toBeNull();
    expect(anonymous.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');

    // With a real token the forged headers change nothing: the caller is still who the token says.
    const someone = await stack.registerCustomer('Peer Someone');
    const asSomeone = await viaHive(`{ me { id role } }`, { ...bearer(someone.token), ...forged });
    expect(asSomeone.data?.me).toEqual({ id: someone.id, role: 'CUSTOMER' });

    // Hive sends a subgraph request's `extensions.headers` as HTTP headers (that is how propagateHeaders
    // works); the client's request extensions must not become a way in.
    const res = await fetch(hiveUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ me { id } }`, extensions: { headers: forged } }),
    });
    const body = (await res.json()) as { data?: { me: unknown } | null };
    expect(body.data?.me ?? null).toBeNull();
  });

  it('exits cleanly on SIGTERM', async () => {
    const pid = peer.pid;
    await peer.stop(10_000);
    expect(peer.crashes).toEqual([]);
    await waitFor('the peer to exit with code 0', async () => (readFileSync(log.path, 'utf8').includes(`(pid ${pid}) exit code 0`) ? true : undefined));
  });
});
