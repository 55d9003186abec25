import { Gauge, type Registry } from 'prom-client';
import { mirrorCounter } from '../../../lib/metrics/mirror-counter.js';
import type { SubscriptionServer } from '../subscriptions/subscription-server.js';

/** The gateway's WebSockets and subscriptions, read from the subscription server at each scrape. */
export function registerSubscriptionMetrics(registry: Registry, subscriptions: SubscriptionServer): void {
  new Gauge({
    name: 'gateway_websocket_connections',
    help: 'Open graphql-ws connections.',
    registers: [registry],
    collect() {
      this.set(subscriptions.stats().connections);
    },
  });
  new Gauge({
    name: 'gateway_subscriptions',
    help: 'Active subscriptions (order listeners) across all connections.',
    registers: [registry],
    collect() {
      this.set(subscriptions.stats().listeners);
    },
  });
  const events = () => subscriptions.stats().events;
  mirrorCounter(registry, 'gateway_subscription_events_total', 'Order events received from NATS for subscriptions.', () => events()?.received ?? 0);
  mirrorCounter(registry, 'gateway_subscription_deliveries_total', 'Order events handed to subscribers.', () => events()?.delivered ?? 0);
  mirrorCounter(registry, 'gateway_subscription_resolutions_total', 'Operations the gateway ran to resolve subscribers\' selections.', () => subscriptions.stats().executions);
  mirrorCounter(
    registry,
    'gateway_subscription_batched_orders_total',
    'Orders read by the batched operations among those resolutions (divided by the operations: orders per batch).',
    () => subscriptions.stats().batchedOrders,
  );
}
