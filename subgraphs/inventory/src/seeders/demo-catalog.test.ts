import type { EntityManager } from '@mikro-orm/postgresql';
import { expect, it } from 'vitest';
import type { SubgraphApp } from '../../../../lib/subgraph/subgraph-app.js';
import { useTestDatabase } from '../../../../lib/testing/test-orm.js';
import { loadInventoryConfig } from '../config.js';
import { ormOptions } from '../db.js';
import { Product } from '../entities/product.entity.js';
import { DEMO_CATALOG, demoProductId, seedInventory } from './demo-catalog.js';

const db = useTestDatabase('inventory_seed', ormOptions);

it('creates the catalog through the catalog service once, with stable ids and one product_created event each', async () => {
  // The seeder only uses the app's ORM.
  const app = { db: { orm: db.orm, sql: db.sql } } as SubgraphApp;
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
