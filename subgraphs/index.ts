import type { Env, SubgraphName } from '../lib/config.js';
import type { DatabaseSettings, OrmOptions } from '../lib/db/orm.js';
import type { SubgraphApp } from '../lib/subgraph/subgraph-app.js';
import { createOrderApp } from './order/src/app.js';
import { loadOrderConfig } from './order/src/config.js';
import { ormOptions as orderOrm } from './order/src/db.js';
import { seedOrder } from './order/src/seeders/demo-customers.js';
import { createInventoryApp } from './inventory/src/app.js';
import { loadInventoryConfig } from './inventory/src/config.js';
import { ormOptions as inventoryOrm } from './inventory/src/db.js';
import { seedInventory } from './inventory/src/seeders/demo-catalog.js';
import { createNotificationApp } from './notification/src/app.js';
import { loadNotificationConfig } from './notification/src/config.js';
import { ormOptions as notificationOrm } from './notification/src/db.js';
import { createPaymentApp } from './payment/src/app.js';
import { loadPaymentConfig } from './payment/src/config.js';
import { ormOptions as paymentOrm } from './payment/src/db.js';

/** What scripts and tests need to know of each subgraph, in one place. */
export interface SubgraphModule<C extends DatabaseSettings = any> {
  loadConfig(env: Env): C;
  createApp(config: C): Promise<SubgraphApp>;
  ormOptions(config: C): OrmOptions;
  /** Loads demo data through the app's ORM; safe to run again (it skips what exists). */
  seed?(app: SubgraphApp, config: C): Promise<string[]>;
}

export const subgraphModules: Partial<Record<SubgraphName, SubgraphModule>> = {
  order: { loadConfig: loadOrderConfig, createApp: createOrderApp, ormOptions: orderOrm, seed: seedOrder },
  inventory: { loadConfig: loadInventoryConfig, createApp: createInventoryApp, ormOptions: inventoryOrm, seed: seedInventory },
  notification: { loadConfig: loadNotificationConfig, createApp: createNotificationApp, ormOptions: notificationOrm },
  payment: { loadConfig: loadPaymentConfig, createApp: createPaymentApp, ormOptions: paymentOrm },
};
