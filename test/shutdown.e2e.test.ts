import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayApp, type GatewayApp } from '../gateway/src/app.js';
import { loadGatewayConfig } from '../gateway/src/config.js';
import { IdentityHeader } from '../lib/auth/identity.js';
import { postGraphQL } from '../lib/testing/graphql-client.js';
import { startStack, type TestStack } from '../lib/testing/stack.js';
import { waitFor } from '../lib/testing/wait.js';
import { subgraphModules } from '../subgraphs/index.js';
import { addCard, createProduct, placeOrder, waitForStatus, waitForStatuses } from './saga-helpers.js';
import { bearerParams, follow, wsClient } from './subscription-helpers.js';
import { lockTable } from './table-lock.js';

const portOf = (url: string) => new URL(url).port;

describe('health, readiness and graceful shutdown', () => {
  let stack: TestStack;
  let customer: { token: string; id: string };
  let card: string;
  let product: { id: string };
  let restartedGateway: GatewayApp | undefined;

  beforeAll(async () => {
    stack = await startStack();
    customer = await stack.registerCustomer('Shutdown Shopper');
    card = await addCard(stack, customer.token);
    product = await createProduct(stack, { name: 'Drain Plug', priceCents: 700, stock: 50 });
  });

  afterAll(async () => {
    await restartedGateway?.stop();
    await stack?.stop();
  });

  it('every service is alive at /health and ready at /ready once its database and NATS (and, for the gateway, every subgraph) answer', async () => {
    const ready = async (url: string) => {
      const res = await fetch(new URL('/ready', url));
      return { status: res.status, checks: Object.keys(((await res.json()) as { checks: Record<string, unknown> }).checks).sort() };
    };
    for (const sub of Object.values(stack.subgraphs)) {
      expect((await fetch(new URL('/health', sub.url))).status, sub.name).toBe(200);
      expect(await ready(sub.url), sub.name).toEqual({ status: 200, checks: ['database', 'nats', 'running'] });
    }
    expect((await fetch(new URL('/health', stack.gatewayUrl))).status).toBe(200);
    expect(await ready(stack.gatewayUrl)).toEqual({ status: 200, checks: ['inventory', 'nats', 'notification', 'order', 'payment', 'running'] });
  });

  it('the gateway finishes in-flight requests, closes subscriptions cleanly, and a resubscriber misses nothing', async () => {
    const placed = await placeOrder(stack, customer.token, [{ productId: product.id, quantity: 1 }], card);
    const orderId = placed.data.placeOrder.id as string;
    await waitForStatus(stack, customer.token, orderId, ['PAID']);

    const sockets = [wsClient(stack.gatewayUrl, bearerParams(customer.token)), wsClient(stack.gatewayUrl, bearerParams(customer.token))];
    const one = follow(sockets[0], `subscription($id: ID!) { orderStatusChanged(orderId: $id) { id status } }`, { id: orderId });
    const mine = follow(sockets[1], `subscription { myOrderUpdates { id status } }`);
    await one.waitForMessages(1);

    // Requests that read orders wait in PostgreSQL while the gateway is told to stop.
    const lock = await lockTable(stack.env.ORDER_DATABASE_URL!, 'orders');
    let inFlight: Promise<Awaited<ReturnType<TestStack['query']>>>[];
    let stopped: Promise<void>;
    try {
      // Four different operations (aliases): identical ones in flight at once would share one subgraph request.
      inFlight = Array.from({ length: 4 }, (_, i) => stack.query(`query($id: ID!) { order: order(id: $id) { id status } n${i}: order(id: $id) { id } }`, { id: orderId }, customer.token));
      await lock.waiters(4);
      stopped = stack.gateway.stop();
      await Promise.all([one.ended, mine.ended]);
    } finally {
      await lock.release();
    }
    const answers = await Promise.all(inFlight);
    await stopped;

    for (const a of answers) expect(a).toMatchObject({ status: 200, data: { order: { id: orderId, status: 'PAID' } } });
    for (const s of sockets) expect(s.closes).toEqual([{ code: 1001, reason: 'Going away' }]);
    expect(one.completed || mine.completed, 'ended by closing the socket, not completed as if the order were done').toBe(false);

    // While no gateway runs, an admin ships the order through the order service itself.
    const shipped = await postGraphQL(
      stack.subgraphs.order.url,
      `mutation($id: ID!) { shipOrder(id: $id, trackingNumber: "TRK-1") { status } }`,
      { id: orderId },
      subgraphHeaders(stack, randomUUID(), 'ADMIN'),
    );
    expect(shipped.data?.shipOrder.status).toBe('SHIPPED');

    // A new gateway on the same address: a resubscriber gets the state it missed first.
    restartedGateway = await createGatewayApp(loadGatewayConfig({ ...stack.env, GATEWAY_PORT: portOf(stack.gatewayUrl) }));
    await restartedGateway.start();
    const again = wsClient(stack.gatewayUrl, bearerParams(customer.token));
    try {
      const resumed = follow(again, `subscription($id: ID!) { orderStatusChanged(orderId: $id) { id status } }`, { id: orderId });
      await resumed.waitForMessages(1);
      expect(resumed.messages[0].data).toEqual({ orderStatusChanged: { id: orderId, status: 'SHIPPED' } });
    } finally {
      await again.dispose();
    }
  });

  it('a subgraph finishes in-flight mutations and publishes their events before it stops; none is lost across the restart', async () => {
    const order = stack.subgraphs.order;
    let arrived = 0;
    order.server.httpServer.on('request', () => arrived++);
    const lock = await lockTable(stack.env.ORDER_DATABASE_URL!, 'orders');
    let placing: ReturnType<typeof placeOrder>[];
    let stopped: Promise<void>;
    try {
      placing = Array.from({ length: 5 }, () => placeOrder(stack, customer.token, [{ productId: product.id, quantity: 1 }], card));
      // All five reached the order service; those beyond its small test pool wait for a connection.
      await waitFor('five placements to reach the order service', async () => (arrived >= 5 ? true : undefined));
      await lock.waiters(1);
      stopped = order.stop();
      // Let the stop begin (the server stops accepting) before the requests can go on.
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      await lock.release();
    }
    const placed = await Promise.all(placing);
    await stopped;
    // Without its order service the gateway is alive but not ready, and says why.
    const gatewayReady = await fetch(new URL('/ready', stack.gatewayUrl));
    expect(gatewayReady.status).toBe(503);
    expect(((await gatewayReady.json()) as { checks: Record<string, { ok: boolean }> }).checks.order.ok).toBe(false);

    for (const p of placed) expect(p.errors, JSON.stringify(p.errors)).toBeUndefined();
    const ids = placed.map((p) => p.data.placeOrder.id as string);

    // Everything those requests committed left the outbox before the service stopped.
    const db = new pg.Client({ connectionString: stack.env.ORDER_DATABASE_URL });
    await db.connect();
    try {
      const { rows } = await db.query<{ n: string }>('select count(*) as n from outbox_events where published_at is null');
      expect(Number(rows[0].n)).toBe(0);
    } finally {
      await db.end();
    }

    // Back on the same port: the saga resumes from the events that waited in JetStream.
    const mod = subgraphModules.order!;
    const restarted = await mod.createApp(mod.loadConfig({ ...stack.env, ORDER_PORT: portOf(order.url) }));
    await restarted.start();
    stack.subgraphs.order = Object.assign(restarted, { url: order.url });
    const settled = await waitForStatuses(stack, ids, ['PAID'], 60_000);
    expect(settled.map((o) => o.status)).toEqual(ids.map(() => 'PAID'));
  });
});

/** What the gateway sends a subgraph: its secret and the identity it verified. */
function subgraphHeaders(stack: TestStack, userId: string, role: 'ADMIN' | 'CUSTOMER'): Record<string, string> {
  return {
    [IdentityHeader.gatewaySecret]: stack.env.ORDER_GATEWAY_SECRET!,
    [IdentityHeader.userId]: userId,
    [IdentityHeader.role]: role,
  };
}
