import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { Counter, Histogram, type Registry } from 'prom-client';
import { summarizeOperation } from '../graphql/operation-summary.js';

/** Seconds; from a cached lookup to a slow federated page. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Clients choose operation names, so a label taken as it comes could grow without bound: names
 * that are not GraphQL names, and any beyond the first `max` distinct ones, count as `other`.
 */
export function boundedLabel(max: number): (name: string) => string {
  const seen = new Set<string>();
  return (name) => {
    if (seen.has(name)) return name;
    if (seen.size >= max || !/^[A-Za-z_][A-Za-z0-9_]{0,99}$/.test(name)) return 'other';
    seen.add(name);
    return name;
  };
}

/**
 * Operation latency by operation name and type, and errors by code, for every operation the
 * server runs (HTTP, WebSocket, and the gateway's subscription deliveries).
 */
export function graphqlMetricsPlugin<C extends BaseContext>(registry: Registry, opts: { maxOperationNames?: number } = {}): ApolloServerPlugin<C> {
  const duration = new Histogram({
    name: 'graphql_operation_duration_seconds',
    help: 'Time from receiving a GraphQL operation to its response being ready, by operation name and type.',
    labelNames: ['operation', 'type'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const errors = new Counter({
    name: 'graphql_errors_total',
    help: 'Errors returned to clients, by extensions.code and operation name.',
    labelNames: ['code', 'operation'],
    registers: [registry],
  });
  const label = boundedLabel(opts.maxOperationNames ?? 200);
  return {
    async requestDidStart() {
      const stop = duration.startTimer();
      return {
        async willSendResponse(ctx) {
          const { operationName, operationType, errorCodes } = summarizeOperation(ctx);
          const operation = label(operationName);
          stop({ operation, type: operationType });
          for (const code of errorCodes) errors.inc({ code, operation });
        },
      };
    },
  };
}
