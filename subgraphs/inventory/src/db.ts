import { resolve } from 'node:path';
import type { OrmOptions } from '../../../lib/db/orm.js';
import { ProductSchema } from './entities/product.entity.js';
import { migrations } from './migrations/index.js';

export const entities = [ProductSchema];

export function ormOptions(config: { databaseUrl: string; createDatabase: boolean }): OrmOptions {
  return {
    databaseUrl: config.databaseUrl,
    createDatabase: config.createDatabase,
    entities,
    migrations,
    migrationsPath: resolve(import.meta.dirname, 'migrations'),
  };
}
