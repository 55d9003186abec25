import { createTokenSigner } from '../../../lib/auth/jwt.js';
import { initOrm } from '../../../lib/db/orm.js';
import { loadSubgraphTypeDefs } from '../../../lib/graphql/load-schema.js';
import { createLogger } from '../../../lib/logger.js';
import { assembleSubgraphApp, type SubgraphApp } from '../../../lib/subgraph/subgraph-app.js';
import { createSubgraphServer } from '../../../lib/subgraph/subgraph-server.js';
import type { OrderConfig } from './config.js';
import { ormOptions } from './db.js';
import { createLoaders } from './loaders.js';
import { createResolvers } from './resolvers/index.js';
import { ensureAdmin } from './services/customer.service.js';
import { subgraphMessaging } from '../../../lib/events/messaging.js';
import { deadLetterCompensation } from './events/dead-letter.compensation.js';
import { replicaHandlers } from './events/replica.handlers.js';
import { sagaSteps } from './events/saga.handlers.js';

/** Builds the order subgraph (customers, identity, orders) without listening. */
export async function createOrderApp(config: OrderConfig): Promise<SubgraphApp> {
  const logger = createLogger('order', config.logLevel);
  const signToken = await createTokenSigner(config.jwtPrivateKey, { issuer: config.jwtIssuer, audience: config.jwtAudience });
  const db = await initOrm(ormOptions(config));
  const messaging = subgraphMessaging(config, {
    service: 'order',
    orm: db.orm,
    logger,
    handlers: replicaHandlers,
    steps: sagaSteps,
    extraSubscriptions: (bus) => [deadLetterCompensation(bus)],
  });
  const server = createSubgraphServer({
    name: 'order',
    typeDefs: loadSubgraphTypeDefs('order'),
    resolvers: createResolvers({ signToken }),
    orm: db,
    gatewaySecret: config.gatewaySecret,
    createLoaders: (em) => createLoaders(em, { batch: config.batchLoaders }),
    logger,
    maskErrors: config.production,
    readiness: [messaging.readiness()],
  });
  const admin = {
    async start() {
      const created = await ensureAdmin(db.orm.em.fork(), { email: config.adminEmail, password: config.adminPassword, name: config.adminName });
      logger.info({ adminId: created.id, email: created.email }, 'admin account ready');
    },
    async stop() {},
  };
  return assembleSubgraphApp({ name: 'order', host: config.host, port: config.port, db, logger, server, workers: [admin], messaging });
}
