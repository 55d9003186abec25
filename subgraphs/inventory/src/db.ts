import { resolve } from 'node:path';
import { subgraphOrmOptions, type DatabaseSettings, type OrmOptions } from '../../../lib/db/orm.js';
import { messagingEntities } from '../../../lib/events/messaging-entities.js';
import { ProductSchema } from './entities/product.entity.js';
import { StockMovementSchema } from './entities/stock-movement.entity.js';
import { StockReservationSchema } from './entities/stock-reservation.entity.js';
import { migrations } from './migrations/index.js';

export const entities = [ProductSchema, StockReservationSchema, StockMovementSchema, ...messagingEntities];

export const ormOptions = (config: DatabaseSettings): OrmOptions =>
  subgraphOrmOptions(config, { entities, migrations, migrationsPath: resolve(import.meta.dirname, 'migrations') });
