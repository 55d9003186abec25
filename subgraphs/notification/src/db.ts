import { resolve } from 'node:path';
import { subgraphOrmOptions, type DatabaseSettings, type OrmOptions } from '../../../lib/db/orm.js';
import { messagingEntities } from '../../../lib/events/messaging-entities.js';
import { CatalogProductSchema } from './entities/catalog-product.entity.js';
import { CustomerContactSchema } from './entities/customer-contact.entity.js';
import { NotificationSchema } from './entities/notification.entity.js';
import { WebhookDeliveryAttemptSchema } from './entities/webhook-delivery-attempt.entity.js';
import { WebhookDeliverySchema } from './entities/webhook-delivery.entity.js';
import { WebhookEndpointSchema } from './entities/webhook-endpoint.entity.js';
import { migrations } from './migrations/index.js';

export const entities = [
  NotificationSchema,
  WebhookEndpointSchema,
  WebhookDeliverySchema,
  WebhookDeliveryAttemptSchema,
  CatalogProductSchema,
  CustomerContactSchema,
  ...messagingEntities,
];

export const ormOptions = (config: DatabaseSettings): OrmOptions =>
  subgraphOrmOptions(config, { entities, migrations, migrationsPath: resolve(import.meta.dirname, 'migrations') });
