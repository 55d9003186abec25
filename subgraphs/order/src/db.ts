import { resolve } from 'node:path';
import { subgraphOrmOptions, type DatabaseSettings, type OrmOptions } from '../../../lib/db/orm.js';
import { CustomerSchema } from './entities/customer.entity.js';
import { OrderItemSchema } from './entities/order-item.entity.js';
import { OrderStatusChangeSchema } from './entities/order-status-change.entity.js';
import { OrderSchema } from './entities/order.entity.js';
import { migrations } from './migrations/index.js';
import { PaymentMethodRefSchema } from './entities/payment-method-ref.entity.js';
import { ProductPriceSchema } from './entities/product-price.entity.js';
import { messagingEntities } from '../../../lib/events/messaging-entities.js';

export const entities = [
  CustomerSchema,
  OrderSchema,
  OrderItemSchema,
  OrderStatusChangeSchema,
  ProductPriceSchema,
  PaymentMethodRefSchema,
  ...messagingEntities,
];

export const ormOptions = (config: DatabaseSettings): OrmOptions =>
  subgraphOrmOptions(config, { entities, migrations, migrationsPath: resolve(import.meta.dirname, 'migrations') });
