import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scrape, sampleValue } from '../lib/testing/prometheus-text.js';
import { startStack, type TestStack } from '../lib/testing/stack.js';
import { waitFor } from '../lib/testing/wait.js';
import { addCard, createProduct, placeOrder, waitForStatus } from './saga-helpers.js';
import { bearerParams, follow, wsClient } from './subscription-helpers.js';

describe('/metrics', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startStack();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('shows operation latency, subgraph fetches, errors and WebSockets at the gateway after traffic', async () => {
    const customer = await stack.registerCustomer('Metered');
    const card = await addCard(stack, customer.token);
    const product = await createProduct(stack, { name: 'Metered Mug', priceCents: 1200, stock: 5 });
    const placed = await placeOrder(stack, customer.token, [{ productId: product.id, quantity: 1 }], card);
    const orderId = placed.data.placeOrder.id as string;
    await waitForStatus(stack, customer.token, orderId, ['PAID']);
    const forbidden = await stack.query(`mutation Ship($id: ID!) { shipOrder(id: $id, trackingNumber: "T") { id } }`, { id: orderId }, customer.token);
    expect(forbidden.errors?.[0].extensions?.code).toBe('FORBIDDEN');

    const ws = wsClient(stack.gatewayUrl, bearerParams(customer.token));
    const followed = follow(ws, `subscription Follow($id: ID!) { orderStatusChanged(orderId: $id) { id status } }`, { id: orderId });
    await followed.waitForMessages(1);

    try {
      const samples = await scrape(stack.gatewayUrl);
      // The helpers' mutations are anonymous: register, add a card, create a product, place the order.
      const anonymous = sampleValue(samples, 'graphql_operation_duration_seconds_count', { operation: 'anonymous', type: 'mutation', service: 'gateway' });
      expect(anonymous).toBeGreaterThanOrEqual(4);
      const mutationSeconds = samples.filter((s) => s.name === 'graphql_operation_duration_seconds_sum' && s.labels.type === 'mutation').reduce((a, s) => a + s.value, 0);
      expect(mutationSeconds).toBeGreaterThan(0);
      expect(mutationSeconds, 'seconds spent in a handful of mutations').toBeLessThan(60);
      // The bucket counts are cumulative: +Inf holds every observation.
      const shipInf = sampleValue(samples, 'graphql_operation_duration_seconds_bucket', { operation: 'Ship', le: '+Inf' });
      expect(shipInf).toBe(1);
      expect(sampleValue(samples, 'graphql_errors_total', { code: 'FORBIDDEN', operation: 'Ship' })).toBe(1);

      const orderFetches = sampleValue(samples, 'gateway_subgraph_fetch_duration_seconds_count', { subgraph: 'order', outcome: 'ok' });
      expect(orderFetches).toBeGreaterThan(0);
      expect(sampleValue(samples, 'gateway_websocket_connections')).toBeGreaterThanOrEqual(1);
      expect(sampleValue(samples, 'gateway_subscriptions')).toBeGreaterThanOrEqual(1);
      expect(sampleValue(samples, 'process_resident_memory_bytes', { service: 'gateway' })).toBeGreaterThan(0);
    } finally {
      followed.unsubscribe();
      await ws.dispose();
    }
  });

  it('shows each subgraph\'s outbox backlog and age, rising while the relay is stopped and back to zero after', async () => {
    const order = stack.subgraphs.order;
    const base = order.url;
    await waitFor('the order outbox to drain', async () => (sampleValue(await scrape(base), 'outbox_backlog_events') === 0 ? true : undefined));
    const before = await scrape(base);
    expect(sampleValue(before, 'outbox_oldest_unpublished_age_seconds')).toBe(0);
    expect(sampleValue(before, 'outbox_published_total')).toBeGreaterThan(0);
    expect(sampleValue(before, 'events_handled_total')).toBeGreaterThan(0);
    expect(sampleValue(before, 'events_dead_lettered_total')).toBe(0);
    expect(before.some((s) => s.name === 'events_consumer_pending' && s.labels.consumer === 'order_payment_succeeded')).toBe(true);
    expect(sampleValue(before, 'graphql_operation_duration_seconds_count', { type: 'mutation' })).toBeGreaterThan(0);

    const relay = order.messaging!.relay!;
    await relay.stop();
    try {
      // A registration commits a customer.registered event to the order outbox; nothing publishes it.
      await stack.query(`mutation($input: RegisterCustomerInput!) { registerCustomer(input: $input) { token } }`, {
        input: { email: `held-${randomUUID().slice(0, 8)}@example.test`, name: 'Held Back', password: 'correct horse battery' },
      });
      await new Promise((r) => setTimeout(r, 1100));
      const held = await scrape(base);
      expect(sampleValue(held, 'outbox_backlog_events')).toBeGreaterThanOrEqual(1);
      const age = sampleValue(held, 'outbox_oldest_unpublished_age_seconds')!;
      expect(age).toBeGreaterThanOrEqual(1);
      expect(age).toBeLessThan(60);
    } finally {
      await relay.start();
    }
    await waitFor('the backlog to be published', async () => (sampleValue(await scrape(base), 'outbox_backlog_events') === 0 ? true : undefined));
  });

  it('is served by every subgraph in Prometheus text format', async () => {
    for (const sub of Object.values(stack.subgraphs)) {
      const res = await fetch(new URL('/metrics', sub.url));
      expect(res.status, sub.name).toBe(200);
      expect(res.headers.get('content-type'), sub.name).toMatch(/^text\/plain; version=0\.0\.4/);
      const body = await res.text();
      expect(body, sub.name).toContain(`outbox_backlog_events{service="${sub.name}"}`);
    }
  });
});
