import { resolve } from 'node:path';
import { subgraphOrmOptions, type DatabaseSettings, type OrmOptions } from '../../../lib/db/orm.js';
import { messagingEntities } from '../../../lib/events/messaging-entities.js';
import { PaymentMethodSchema } from './entities/payment-method.entity.js';
import { PaymentTransactionSchema } from './entities/payment-transaction.entity.js';
import { PaymentSchema } from './entities/payment.entity.js';
import { RefundSchema } from './entities/refund.entity.js';
import { migrations } from './migrations/index.js';

export const entities = [PaymentSchema, PaymentMethodSchema, RefundSchema, PaymentTransactionSchema, ...messagingEntities];

export const ormOptions = (config: DatabaseSettings): OrmOptions =>
  subgraphOrmOptions(config, { entities, migrations, migrationsPath: resolve(import.meta.dirname, 'migrations') });
