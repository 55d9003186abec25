import { initOrm } from '../../../lib/db/orm.js';
import { loadSubgraphTypeDefs } from '../../../lib/graphql/load-schema.js';
import { createLogger } from '../../../lib/logger.js';
import { assembleSubgraphApp, type SubgraphApp } from '../../../lib/subgraph/subgraph-app.js';
import { createSubgraphServer } from '../../../lib/subgraph/subgraph-server.js';
import type { PaymentConfig } from './config.js';
import { ormOptions } from './db.js';
import { createLoaders } from './loaders.js';
import { resolvers } from './resolvers/index.js';

/** Builds the payment subgraph (payments, stored cards, refunds) without listening. */
export async function createPaymentApp(config: PaymentConfig): Promise<SubgraphApp> {
  const logger = createLogger('payment', config.logLevel);
  const db = await initOrm(ormOptions(config));
  const server = createSubgraphServer({
    name: 'payment',
    typeDefs: loadSubgraphTypeDefs('payment'),
    resolvers,
    orm: db,
    gatewaySecret: config.gatewaySecret,
    createLoaders: (em) => createLoaders(em, { batch: config.batchLoaders }),
    logger,
    maskErrors: config.production,
  });
  return assembleSubgraphApp({ name: 'payment', host: config.host, port: config.port, db, logger, server });
}
