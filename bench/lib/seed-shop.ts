import { addCard, createProduct, stackBackend, type ShopBackend } from '../../lib/testing/shop.js';
import type { TestStack } from '../../lib/testing/stack.js';

export interface Shopper {
  token: string;
  cardId: string;
}

/** Runs `task` over `items` with at most `width` at once. */
async function inBatches<T, R>(items: T[], width: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += width) out.push(...(await Promise.all(items.slice(i, i + width).map(task))));
  return out;
}

/**
 * A catalog with more stock than any run can sell (so every order should end PAID) and customers
 * with a card that always succeeds, each known to the order service before the load starts.
 */
export async function seedShop(target: TestStack | ShopBackend, opts: { products: number; customers: number; stockEach: number }) {
  const shop = 'orderServiceKnows' in target ? target : stackBackend(target);
  const productIds = await inBatches(
    Array.from({ length: opts.products }, (_, i) => i),
    10,
    (i) => createProduct(shop, { name: `Bench Item ${i + 1}`, priceCents: 500 + 100 * i, stock: opts.stockEach }),
  );
  const shoppers = await inBatches(Array.from({ length: opts.customers }, (_, i) => i), 25, async (i): Promise<Shopper & { customerId: string }> => {
    const c = await shop.registerCustomer(`Bench Shopper ${i + 1}`);
    return { token: c.token, customerId: c.id, cardId: await addCard(shop, c.token) };
  });
  return { productIds, shoppers };
}
