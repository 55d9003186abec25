import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { AppError, ErrorCode, badInput, notFound } from '../../../../lib/errors.js';
import type { EventData } from '../../../../lib/events/contracts/index.js';
import { recordEvent, type EventCause } from '../../../../lib/events/record-event.js';
import { availableUnits, Product } from '../entities/product.entity.js';
import { lockProducts } from './product-locks.js';
import { recordMovement } from './stock-movement.service.js';

/** The largest value of the `integer` stock column. */
const MAX_UNITS = 2_147_483_647;

const name = z.string().trim().min(1, 'name must not be empty').max(200, 'name must have at most 200 characters');
const description = z.string().max(10_000, 'description must have at most 10000 characters');
const priceCents = z.number().int('priceCents must be a whole number of cents').min(0, 'priceCents must not be negative');

const NewProduct = z.object({
  sku: z.string().trim().min(1, 'sku must not be empty').max(64, 'sku must have at most 64 characters'),
  name,
  description: description.nullish(),
  priceCents,
  stockQuantity: z.number().int('stockQuantity must be a whole number').min(0, 'stockQuantity must not be negative').nullish(),
});
export type NewProductInput = z.input<typeof NewProduct>;

/** `null` or absent leaves a field as it is. */
const ProductChanges = z.object({
  name: name.nullish(),
  description: description.nullish(),
  priceCents: priceCents.nullish(),
  active: z.boolean().nullish(),
});
export type ProductChangesInput = z.input<typeof ProductChanges>;

const Adjustment = z.object({
  delta: z.number().int('delta must be a whole number').refine((d) => d !== 0, 'delta must not be zero'),
  reason: z.string().trim().min(1, 'reason must not be empty').max(500, 'reason must have at most 500 characters'),
});

function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw badInput(issue.message, { field: String(issue.path[0]) });
  }
  return parsed.data;
}

/** What the order service copies of a product to price new orders. */
const productEvent = (p: Product): EventData<'inventory.product_created'> => ({
  productId: p.id,
  sku: p.sku,
  name: p.name,
  priceCents: p.priceCents,
  active: p.active,
});

const skuTaken = (sku: string) => new AppError(ErrorCode.CONFLICT, `A product with SKU ${sku} already exists.`, { field: 'sku' });

/**
 * Adds a product, its CREATE movement and an `inventory.product_created` event in one transaction.
 * `opts.id` fixes the id (the demo seeder keeps ids stable across resets); otherwise one is made.
 */
export async function createProduct(
  em: EntityManager,
  input: NewProductInput,
  cause: EventCause,
  opts: { id?: string } = {},
): Promise<Product> {
  const data = parse(NewProduct, input);
  try {
    return await em.transactional(async (tx) => {
      if (await tx.count(Product, { sku: data.sku })) throw skuTaken(data.sku);
      const product = Object.assign(new Product(), {
        ...(opts.id ? { id: opts.id } : {}),
        sku: data.sku,
        name: data.name,
        description: data.description ?? '',
        priceCents: data.priceCents,
        stockQuantity: data.stockQuantity ?? 0,
      });
      tx.persist(product);
      recordMovement(tx, { productId: product.id, kind: 'CREATE', quantityDelta: product.stockQuantity });
      recordEvent(tx, 'inventory.product_created', productEvent(product), { aggregateId: product.id, cause });
      return product;
    });
  } catch (err) {
    // Two creations racing for one SKU (or id): the unique index decides.
    if ((err as { code?: string }).code === '23505') {
      if ((err as { constraint?: string }).constraint === 'products_pkey') {
        throw new AppError(ErrorCode.CONFLICT, `A product with id ${opts.id} already exists.`, { field: 'id' });
      }
      throw skuTaken(data.sku);
    }
    throw err;
  }
}

/**
 * Changes a product's details, price or active flag; an `inventory.product_updated` event commits
 * with the change. The row is locked so concurrent updates publish their snapshots in commit order.
 */
export async function updateProduct(em: EntityManager, id: string, input: ProductChangesInput, cause: EventCause): Promise<Product> {
  const changes = parse(ProductChanges, input);
  return em.transactional(async (tx) => {
    const [product] = (await lockProducts(tx, [id])).values();
    if (!product) throw notFound('Product');
    let changed = false;
    for (const key of ['name', 'description', 'priceCents', 'active'] as const) {
      const value = changes[key];
      if (value != null && value !== product[key]) {
        Object.assign(product, { [key]: value });
        changed = true;
      }
    }
    if (changed) recordEvent(tx, 'inventory.product_updated', productEvent(product), { aggregateId: product.id, cause });
    return product;
  });
}

/**
 * Adds (positive `delta`) or removes units on hand, with an ADJUST movement. Units that orders
 * hold cannot be removed: stock on hand never drops below `reserved`.
 */
export async function adjustStock(em: EntityManager, productId: string, delta: number, reason: string): Promise<Product> {
  const adjustment = parse(Adjustment, { delta, reason });
  return em.transactional(async (tx) => {
    const [product] = (await lockProducts(tx, [productId])).values();
    if (!product) throw notFound('Product');
    const next = product.stockQuantity + adjustment.delta;
    if (next < product.reserved) {
      const free = availableUnits(product);
      throw new AppError(
        ErrorCode.CONFLICT,
        `Cannot remove ${-adjustment.delta} units of ${product.sku}: only ${free} of the ${product.stockQuantity} on hand are not reserved by orders.`,
        { field: 'delta', available: free },
      );
    }
    if (next > MAX_UNITS) throw badInput(`Stock on hand cannot exceed ${MAX_UNITS} units.`, { field: 'delta' });
    product.stockQuantity = next;
    recordMovement(tx, { productId: product.id, kind: 'ADJUST', quantityDelta: adjustment.delta, reason: adjustment.reason });
    return product;
  });
}
