import { randomUUID } from 'node:crypto';
import type { GraphQLResponse } from '../../lib/testing/graphql-client.js';
import type { TestStack } from '../../lib/testing/stack.js';
import { waitFor } from '../../lib/testing/wait.js';
import { PaymentMethodRef } from '../../subgraphs/order/src/entities/payment-method-ref.entity.js';
import { ProductPrice } from '../../subgraphs/order/src/entities/product-price.entity.js';
import { CARDS } from '../../test/saga-helpers.js';

export interface Shopper {
  token: string;
  cardId: string;
}

/** What seeding needs of a running supergraph, in-process (TestStack) or as processes (BenchCluster). */
export interface ShopBackend {
  query<D = any>(query: string, variables?: Record<string, unknown>, token?: string): Promise<GraphQLResponse<D>>;
  registerCustomer(name?: string): Promise<{ token: string; id: string }>;
  adminToken(): Promise<string>;
  /** Whether the order service has learned of a product's price or a card's owner from their events. */
  orderServiceKnows(kind: 'price' | 'card', id: string): Promise<boolean>;
}

/** A TestStack as a ShopBackend: it reads the order service's database through its own ORM. */
export function stackBackend(stack: TestStack): ShopBackend {
  return {
    query: (q, v, t) => stack.query(q, v, t),
    registerCustomer: (name) => stack.registerCustomer(name),
    adminToken: () => stack.adminToken(),
    async orderServiceKnows(kind, id) {
      const em = stack.subgraphs.order.db.orm.em.fork();
      return kind === 'price' ? !!(await em.findOne(ProductPrice, { productId: id })) : !!(await em.findOne(PaymentMethodRef, id));
    },
  };
}

/** Runs `task` over `items` with at most `width` at once. */
async function inBatches<T, R>(items: T[], width: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += width) out.push(...(await Promise.all(items.slice(i, i + width).map(task))));
  return out;
}

/** A product made through the gateway (as the admin), once the order service has learned its price. */
export async function createProduct(shop: ShopBackend, spec: { name: string; priceCents: number; stock: number }): Promise<string> {
  const res = await shop.query(
    `mutation($i: CreateProductInput!) { createProduct(input: $i) { id } }`,
    { i: { sku: `SKU-${randomUUID().slice(0, 8)}`, name: spec.name, priceCents: spec.priceCents, stockQuantity: spec.stock } },
    await shop.adminToken(),
  );
  if (!res.data) throw new Error(`createProduct failed: ${JSON.stringify(res.errors)}`);
  const id = res.data.createProduct.id as string;
  await waitFor(`the order service's price of ${spec.name}`, async () => ((await shop.orderServiceKnows('price', id)) ? true : undefined));
  return id;
}

async function addCard(shop: ShopBackend, token: string): Promise<string> {
  const res = await shop.query(
    `mutation($i: AddPaymentMethodInput!) { addPaymentMethod(input: $i) { id } }`,
    { i: { cardNumber: CARDS.ok, expMonth: 12, expYear: new Date().getUTCFullYear() + 3, cvc: '123' } },
    token,
  );
  if (!res.data) throw new Error(`addPaymentMethod failed: ${JSON.stringify(res.errors)}`);
  const id = res.data.addPaymentMethod.id as string;
  await waitFor('the order service to learn the card', async () => ((await shop.orderServiceKnows('card', id)) ? true : undefined));
  return id;
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
