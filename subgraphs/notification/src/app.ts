import { initOrm } from '../../../lib/db/orm.js';
import { subgraphMessaging } from '../../../lib/events/messaging.js';
import { loadSubgraphTypeDefs } from '../../../lib/graphql/load-schema.js';
import { createLogger } from '../../../lib/logger.js';
import { assembleSubgraphApp, type SubgraphApp } from '../../../lib/subgraph/subgraph-app.js';
import { createSubgraphServer } from '../../../lib/subgraph/subgraph-server.js';
import type { NotificationConfig } from './config.js';
import { ormOptions } from './db.js';
import { NotificationDispatcher } from './dispatch/dispatcher.js';
import { EmailTemplates } from './email/templates.js';
import { notificationEventSteps } from './events/handlers.js';
import { createLoaders } from './loaders.js';
import { createResolvers } from './resolvers/index.js';

/** The notification subgraph, plus the dispatcher that sends what its event handlers queue. */
export interface NotificationApp extends SubgraphApp {
  dispatcher: NotificationDispatcher;
}

/** Builds the notification subgraph (messages, webhook endpoints and deliveries) without listening. */
export async function createNotificationApp(config: NotificationConfig): Promise<NotificationApp> {
  const logger = createLogger('notification', config.logLevel);
  const templates = EmailTemplates.load();
  const db = await initOrm(ormOptions(config));
  const messaging = subgraphMessaging(config, { service: 'notification', orm: db.orm, logger, handlers: {}, steps: notificationEventSteps(templates) });
  const dispatcher = new NotificationDispatcher(db.orm, config, logger);
  const server = createSubgraphServer({
    name: 'notification',
    typeDefs: loadSubgraphTypeDefs('notification'),
    resolvers: createResolvers({ allowPrivateWebhookUrls: config.webhookAllowPrivateUrls }),
    orm: db,
    gatewaySecret: config.gatewaySecret,
    createLoaders: (em) => createLoaders(em, { batch: config.batchLoaders }),
    logger,
    maskErrors: config.production,
    readiness: [messaging.readiness()],
  });
  const app = assembleSubgraphApp({ name: 'notification', host: config.host, port: config.port, db, logger, server, messaging, workers: [dispatcher] });
  return { ...app, dispatcher };
}
