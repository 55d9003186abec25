import { initOrm } from '../../../lib/db/orm.js';
import { subgraphMessaging } from '../../../lib/events/messaging.js';
import { inventorySteps } from './events/handlers.js';
import { loadSubgraphTypeDefs } from '../../../lib/graphql/load-schema.js';
import { createLogger } from '../../../lib/logger.js';
import { assembleSubgraphApp, type SubgraphApp } from '../../../lib/subgraph/subgraph-app.js';
import { createSubgraphServer } from '../../../lib/subgraph/subgraph-server.js';
import type { InventoryConfig } from './config.js';
import { ormOptions } from './db.js';
import { createLoaders } from './loaders.js';
import { resolvers } from './resolvers/index.js';

/** Builds the inventory subgraph (products and stock) without listening. */
export async function createInventoryApp(config: InventoryConfig): Promise<SubgraphApp> {
  const logger = createLogger('inventory', config.logLevel);
  const db = await initOrm(ormOptions(config));
  const messaging = subgraphMessaging(config, { service: 'inventory', orm: db.orm, logger, handlers: {}, steps: inventorySteps });
  const server = createSubgraphServer({
    name: 'inventory',
    typeDefs: loadSubgraphTypeDefs('inventory'),
    resolvers,
    orm: db,
    gatewaySecret: config.gatewaySecret,
    createLoaders: (em) => createLoaders(em, { batch: config.batchLoaders }),
    logger,
    maskErrors: config.production,
    readiness: [messaging.readiness()],
  });
  return assembleSubgraphApp({ name: 'inventory', host: config.host, port: config.port, db, logger, server, messaging });
}
