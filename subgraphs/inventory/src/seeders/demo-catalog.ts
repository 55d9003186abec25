import { createHash, randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError, ErrorCode } from '../../../../lib/errors.js';
import type { SubgraphApp } from '../../../../lib/subgraph/subgraph-app.js';
import type { InventoryConfig } from '../config.js';
import { Product } from '../entities/product.entity.js';
import { createProduct } from '../services/catalog.service.js';

interface DemoProduct {
  sku: string;
  name: string;
  description: string;
  priceCents: number;
  stockQuantity: number;
}

/** The demo shop's catalog. Two items have no stock, so `products(inStock: …)` has something to filter. */
export const DEMO_CATALOG: readonly DemoProduct[] = [
  { sku: 'KIT-1001', name: "Chef's Knife, 8-inch", description: 'Forged high-carbon stainless steel blade with a full tang and a riveted walnut handle.', priceCents: 8900, stockQuantity: 64 },
  { sku: 'KIT-1002', name: 'Cast Iron Skillet, 10-inch', description: 'Pre-seasoned skillet that goes from stovetop to oven to campfire.', priceCents: 3450, stockQuantity: 120 },
  { sku: 'KIT-1003', name: 'Pour-Over Coffee Dripper', description: 'Ceramic cone dripper for one or two cups; fits most mugs and carafes.', priceCents: 2400, stockQuantity: 88 },
  { sku: 'KIT-1004', name: 'Burr Coffee Grinder', description: 'Conical steel burrs with 40 grind settings, from espresso to French press.', priceCents: 12900, stockQuantity: 35 },
  { sku: 'KIT-1005', name: 'Enamelled Dutch Oven, 5.5 qt', description: 'Heavy cast iron with a chip-resistant enamel finish, for braises, stews and bread.', priceCents: 18900, stockQuantity: 22 },
  { sku: 'KIT-1006', name: 'Bamboo Cutting Board Set', description: 'Three boards in graduated sizes with juice grooves and easy-grip handles.', priceCents: 3900, stockQuantity: 150 },
  { sku: 'KIT-1007', name: 'Insulated Water Bottle, 750 ml', description: 'Double-walled stainless steel; keeps drinks cold for 24 hours or hot for 12.', priceCents: 2900, stockQuantity: 200 },
  { sku: 'KIT-1008', name: 'Glass Food Storage Set', description: 'Ten oven-safe borosilicate containers with leak-proof locking lids.', priceCents: 4500, stockQuantity: 0 },
  { sku: 'HOM-2001', name: 'Linen Duvet Cover, Queen', description: 'Stonewashed European flax linen that softens with every wash.', priceCents: 14900, stockQuantity: 40 },
  { sku: 'HOM-2002', name: 'Merino Wool Throw Blanket', description: 'Soft, breathable merino in a herringbone weave, 130 × 180 cm.', priceCents: 11900, stockQuantity: 28 },
  { sku: 'HOM-2003', name: 'Ceramic Table Lamp', description: 'Hand-glazed stoneware base with a linen drum shade and a dimmable E27 socket.', priceCents: 7900, stockQuantity: 45 },
  { sku: 'HOM-2004', name: 'Scented Soy Candle, Cedar & Sage', description: 'Hand-poured soy wax with a cotton wick; about 50 hours of burn time.', priceCents: 2200, stockQuantity: 180 },
  { sku: 'HOM-2005', name: 'Cotton Bath Towel Set', description: 'Two bath towels, two hand towels and two washcloths in 600 gsm Turkish cotton.', priceCents: 5900, stockQuantity: 95 },
  { sku: 'HOM-2006', name: 'Terracotta Plant Pot with Saucer', description: 'Unglazed 20 cm pot with a drainage hole and a matching saucer.', priceCents: 1900, stockQuantity: 140 },
  { sku: 'OUT-3001', name: 'Ultralight Two-Person Tent', description: 'Freestanding three-season tent, 1.4 kg packed, with two doors and vestibules.', priceCents: 32900, stockQuantity: 20 },
  { sku: 'OUT-3002', name: 'Down Sleeping Bag, -7 °C', description: '650-fill responsibly sourced down in a water-resistant shell; packs to the size of a loaf.', priceCents: 27900, stockQuantity: 0 },
  { sku: 'OUT-3003', name: 'Carbon Trekking Poles, Pair', description: 'Three-section folding poles with cork grips and quick-lock adjustment.', priceCents: 8900, stockQuantity: 60 },
  { sku: 'OUT-3004', name: 'Enamel Camp Mug', description: 'Steel mug with a rolled rim, safe on the stove or over a fire; 350 ml.', priceCents: 1800, stockQuantity: 170 },
  { sku: 'OUT-3005', name: 'Rechargeable LED Headlamp', description: '400 lumens, red night mode and a USB-C rechargeable battery.', priceCents: 3900, stockQuantity: 110 },
  { sku: 'OUT-3006', name: 'Daypack, 24 L', description: 'Recycled nylon pack with a padded laptop sleeve and a hydration port.', priceCents: 9900, stockQuantity: 55 },
  { sku: 'ELE-4001', name: 'Wireless Noise-Cancelling Headphones', description: 'Over-ear headphones with adaptive noise cancelling and 30 hours of battery.', priceCents: 24900, stockQuantity: 30 },
  { sku: 'ELE-4002', name: 'Tenkeyless Mechanical Keyboard', description: 'Hot-swappable tactile switches, PBT keycaps and a detachable USB-C cable.', priceCents: 11900, stockQuantity: 42 },
  { sku: 'ELE-4003', name: 'USB-C Charger, 65 W', description: 'Compact GaN charger with two USB-C ports and one USB-A port.', priceCents: 4900, stockQuantity: 160 },
  { sku: 'ELE-4004', name: 'Portable Bluetooth Speaker', description: 'Waterproof (IP67) speaker with 12 hours of playback and a carry strap.', priceCents: 7900, stockQuantity: 75 },
  { sku: 'ELE-4005', name: 'E-Reader with Warm Light', description: '6.8-inch glare-free display, adjustable warm light and weeks of battery.', priceCents: 13900, stockQuantity: 38 },
  { sku: 'STA-5001', name: 'Dot-Grid Notebook, A5', description: '192 numbered pages of 100 gsm fountain-pen-friendly paper, lay-flat binding.', priceCents: 1600, stockQuantity: 190 },
  { sku: 'STA-5002', name: 'Fountain Pen, Fine Nib', description: 'Brass body with a steel fine nib; takes standard cartridges or a converter.', priceCents: 3600, stockQuantity: 70 },
  { sku: 'STA-5003', name: 'Oak Desk Organiser', description: 'Solid oak tray with compartments for pens, cards and a phone.', priceCents: 4400, stockQuantity: 48 },
];

// A fixed namespace for name-based (version 5) UUIDs; changing it would change every demo id.
const ID_NAMESPACE = Buffer.from('4f1d6c2ab6e34c0e9a7d3b5e8f0c1a27', 'hex');

/**
 * The demo product's id, derived from its SKU: the same on every machine and after a reset, so
 * references other subgraphs keep (order lines, for one) still resolve after reseeding.
 */
export function demoProductId(sku: string): string {
  const bytes = createHash('sha1').update(ID_NAMESPACE).update(sku).digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Creates the demo products that are missing (by SKU), through the catalog service so each one's
 * `inventory.product_created` event reaches the order service's price copy. Running it again
 * creates nothing and keeps stock that orders have since changed. Returns what it did.
 */
export async function seedInventory(app: SubgraphApp, _config: InventoryConfig): Promise<string[]> {
  const em = app.db.orm.em.fork() as EntityManager;
  const present = await em.find(Product, { sku: { $in: DEMO_CATALOG.map((p) => p.sku) } }, { fields: ['sku'] });
  const skus = new Set(present.map((p) => p.sku));
  // One correlation id for the whole run, so its events can be traced back to it.
  const cause = { requestId: `seed-demo-catalog-${randomUUID()}` };
  let created = 0;
  for (const p of DEMO_CATALOG) {
    if (skus.has(p.sku)) continue;
    try {
      await createProduct(em.fork(), p, cause, { id: demoProductId(p.sku) });
      created++;
    } catch (err) {
      // A concurrent seeder created it first.
      if (!(err instanceof AppError && err.code === ErrorCode.CONFLICT)) throw err;
    }
  }
  if (created === 0) return [`demo catalog already present (${DEMO_CATALOG.length} products); nothing created`];
  const skipped = DEMO_CATALOG.length - created;
  const soldOut = DEMO_CATALOG.filter((p) => p.stockQuantity === 0).length;
  return [`created ${created} demo products${skipped ? ` (${skipped} were already there)` : ` (${soldOut} of them out of stock)`}`];
}
