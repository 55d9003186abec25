import type { EntityManager } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dropDatabase } from '../../../../lib/db/database.js';
import { initOrm, migrate, type Orm } from '../../../../lib/db/orm.js';
import type { SubgraphApp } from '../../../../lib/subgraph/subgraph-app.js';
import { testDatabaseUrl } from '../../../../lib/testing/test-databases.js';
import { loadInventoryConfig } from '../config.js';
import { ormOptions } from '../db.js';
import { Product } from '../entities/product.entity.js';
import { DEMO_CATALOG, demoProductId, seedInventory } from './demo-catalog.js';

const url = testDatabaseUrl('inventory_seed');
let db: Orm;

beforeAll(async () => {
  db = await initOrm(ormOptions({ databaseUrl: url, createDatabase: true }));
  await migrate(db.orm);
});

afterAll(async () => {
  await db?.orm.close();
  await dropDatabase(url);
});

it('creates the catalog through the catalog service once, with stable ids and one product_created event each', async () => {
  // The seeder only uses the app's ORM.
  const app = { db } as SubgraphApp;
  const config = loadInventoryConfig({});
  const first = await seedInventory(app, config);
  expect(first).toEqual([`created ${DEMO_CATALOG.length} demo products (2 of them out of stock)`]);
  expect(await seedInventory(app, config)).toEqual([`demo catalog already present (${DEMO_CATALOG.length} products); nothing created`]);

  const em = db.orm.em.fork() as EntityManager;
  const kettle = await em.findOneOrFail(Product, { sku: 'KIT-1001' });
  expect(kettle.id).toBe(demoProductId('KIT-1001'));
  expect(kettle.stockQuantity).toBe(64);
  const events = await em.getConnection().execute<{ type: string; n: string }[]>('select type, count(*) as n from outbox_events group by type');
  expect(events).toEqual([{ type: 'inventory.product_created', n: String(DEMO_CATALOG.length) }]);
});
