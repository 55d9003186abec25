import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * A Prometheus registry of one service's own: every metric the service has, plus Node's process
 * metrics, each labelled with `service`. One registry per app rather than prom-client's global one,
 * so apps running side by side in one process (tests, `npm start`) neither collide nor mix.
 */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}
