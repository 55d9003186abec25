import { initOrm } from '../../../lib/db/orm.js';
import { subgraphMessaging } from '../../../lib/events/messaging.js';
import { loadSubgraphTypeDefs } from '../../../lib/graphql/load-schema.js';
import { createLogger } from '../../../lib/logger.js';
import { assembleSubgraphApp, type SubgraphApp } from '../../../lib/subgraph/subgraph-app.js';
import { createSubgraphServer } from '../../../lib/subgraph/subgraph-server.js';
import type { PaymentConfig } from './config.js';
import { ormOptions } from './db.js';
import { paymentEventWork } from './events/handlers.js';
import { createLoaders } from './loaders.js';
import type { CardProcessor } from './processor/card-processor.js';
import { TestCardProcessor } from './processor/test-card-processor.js';
import { createResolvers } from './resolvers/index.js';

/** The payment subgraph, plus what the event wiring needs from it. */
export interface PaymentApp extends SubgraphApp {
  /** The one processor instance that both the mutations and the saga handlers use. */
  processor: CardProcessor;
  /** For the consumers of `order.payment_requested` (a step), `order.cancelled` and `order.failed`. */
  eventWork: ReturnType<typeof paymentEventWork>;
}

export interface PaymentAppOptions {
  /** Defaults to the built-in test processor; tests and benchmarks pass their own to count charges. */
  processor?: CardProcessor;
}

/** Builds the payment subgraph (payments, stored cards, refunds) without listening. */
export async function createPaymentApp(config: PaymentConfig, opts: PaymentAppOptions = {}): Promise<PaymentApp> {
  const logger = createLogger('payment', config.logLevel);
  const processor = opts.processor ?? new TestCardProcessor();
  const db = await initOrm(ormOptions(config));
  const eventWork = paymentEventWork(processor, { transientDelaysMs: config.retryDelaysMs });
  const messaging = subgraphMessaging(config, { service: 'payment', orm: db.orm, logger, ...eventWork });
  const server = createSubgraphServer({
    name: 'payment',
    typeDefs: loadSubgraphTypeDefs('payment'),
    resolvers: createResolvers(processor),
    orm: db,
    gatewaySecret: config.gatewaySecret,
    createLoaders: (em) => createLoaders(em, { batch: config.batchLoaders }),
    logger,
    maskErrors: config.production,
    readiness: [messaging.readiness()],
  });
  const app = assembleSubgraphApp({ name: 'payment', host: config.host, port: config.port, db, logger, server, messaging });
  return { ...app, processor, eventWork };
}
