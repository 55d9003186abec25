import { resolve } from 'node:path';
import type { DatabaseSettings, OrmOptions } from '../../../lib/db/orm.js';
import { messagingEntities } from '../../../lib/events/messaging-entities.js';
import { ProductSchema } from './entities/product.entity.js';
import { StockMovementSchema } from './entities/stock-movement.entity.js';
import { StockReservationSchema } from './entities/stock-reservation.entity.js';
import { migrations } from './migrations/index.js';

export const entities = [ProductSchema, StockReservationSchema, StockMovementSchema, ...messagingEntities];

export function ormOptions(config: DatabaseSettings): OrmOptions {
  return {
    databaseUrl: config.databaseUrl,
    createDatabase: config.createDatabase,
    poolMax: config.dbPoolMax,
    entities,
    migrations,
    migrationsPath: resolve(import.meta.dirname, 'migrations'),
  };
}
