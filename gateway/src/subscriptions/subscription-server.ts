import type { IncomingMessage, Server } from 'node:http';
import type { ApolloGateway } from '@apollo/gateway';
import type { GraphQLSchema } from 'graphql';
import type { TokenVerifier } from '../../../lib/auth/jwt.js';
import { EventBus } from '../../../lib/events/bus.js';
import type { Logger } from '../../../lib/logger.js';
import type { GatewayConfig } from '../config.js';
import type { RateLimits } from '../security/rate-limits.js';
import { openSubscription } from './open-subscription.js';
import { OrderEventDispatcher } from './order-event-dispatcher.js';
import { OrderResolver, type ExecuteOperation } from './order-resolver.js';
import { createWebSocketServer } from './websocket-server.js';

export interface SubscriptionServerOptions {
  config: GatewayConfig;
  httpServer: Server;
  /** Its API schema validates subscription documents, as Apollo's validates HTTP ones. */
  gateway: ApolloGateway;
  verify: TokenVerifier;
  /** Runs an operation through the gateway (`ApolloServer.executeOperation`). */
  executeOperation: ExecuteOperation;
  logger: Logger;
  /** The same budgets HTTP spends from, so a client cannot double its allowance by switching transport. */
  rateLimits: RateLimits;
  clientAddress: (req: IncomingMessage) => string;
}

/**
 * Federated subscriptions: graphql-ws on the gateway's `/graphql`, fed by the gateway's own
 * subscription to `order.status_changed` on NATS, each delivery resolved through the gateway.
 * Every gateway replica runs one, so a subscriber on any replica sees changes made through any other.
 */
export function createSubscriptionServer(opts: SubscriptionServerOptions) {
  const { config, logger } = opts;
  let schema: GraphQLSchema | undefined;
  opts.gateway.onSchemaLoadOrUpdate(({ apiSchema }) => (schema = apiSchema));
  const currentSchema = () => {
    if (!schema) throw new Error('The gateway schema is not loaded yet.');
    return schema;
  };

  let bus: EventBus | undefined;
  let dispatcher: OrderEventDispatcher | undefined;
  const resolver = new OrderResolver(opts.executeOperation, currentSchema, config.subscriptions.resolveConcurrency, config.limits);

  const ws = createWebSocketServer({
    httpServer: opts.httpServer,
    path: '/graphql',
    verify: opts.verify,
    schema: () => schema,
    limits: config.limits,
    introspection: config.introspection,
    apiBudget: opts.rateLimits.api,
    clientAddress: opts.clientAddress,
    maxSubscriptionsPerConnection: config.subscriptions.maxPerConnection,
    keepAliveMs: config.subscriptions.keepAliveMs,
    maxPayloadBytes: config.maxBodyBytes,
    production: config.production,
    executeOperation: opts.executeOperation,
    logger,
    subscribe: (operation, session) => {
      if (!dispatcher) throw new Error('Subscriptions are not started.');
      return openSubscription(currentSchema(), operation, session.identity, { dispatcher, resolver, logger });
    },
  });

  return {
    /** The gateway's NATS link, for tests that publish events or force a reconnect. */
    get bus(): EventBus | undefined {
      return bus;
    },
    stats() {
      return {
        connections: ws.connections,
        listeners: dispatcher?.listenerCount ?? 0,
        events: dispatcher ? { ...dispatcher.stats } : undefined,
        executions: resolver.executions,
        batchedOrders: resolver.batchedOrders,
      };
    },
    /** Readiness: the NATS connection answers. */
    async ping(): Promise<void> {
      if (!bus) throw new Error('not connected to NATS yet');
      await bus.ping();
    },
    /** Connects to NATS and subscribes before accepting sockets, so no subscriber starts ahead of its events. */
    async start(): Promise<void> {
      if (bus) return;
      bus = await EventBus.connect({ url: config.natsUrl, prefix: config.eventsPrefix, name: 'gateway', logger });
      dispatcher = new OrderEventDispatcher(bus, logger.child({ component: 'subscriptions' }));
      await dispatcher.start();
      ws.start();
    },
    /** Closes every socket with a reason, then the NATS subscription and connection. */
    async stop(): Promise<void> {
      await ws.stop();
      dispatcher?.stop();
      await bus?.close();
    },
  };
}

export type SubscriptionServer = ReturnType<typeof createSubscriptionServer>;
