import type { Env, SubgraphName } from '../lib/config.js';
import type { OrmOptions } from '../lib/db/orm.js';
import type { SubgraphApp } from '../lib/subgraph/subgraph-app.js';
import { createInventoryApp } from './inventory/src/app.js';
import { loadInventoryConfig } from './inventory/src/config.js';
import { ormOptions as inventoryOrm } from './inventory/src/db.js';

/** What scripts and tests need to know of each subgraph, in one place. */
export interface SubgraphModule<C extends { databaseUrl: string; createDatabase: boolean } = any> {
  loadConfig(env: Env): C;
  createApp(config: C): Promise<SubgraphApp>;
  ormOptions(config: C): OrmOptions;
}

export const subgraphModules: Partial<Record<SubgraphName, SubgraphModule>> = {
  inventory: { loadConfig: loadInventoryConfig, createApp: createInventoryApp, ormOptions: inventoryOrm },
};
