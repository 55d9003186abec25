import { randomUUID } from 'node:crypto';
import { PaymentMethodRef } from '../../subgraphs/order/src/entities/payment-method-ref.entity.js';
import { ProductPrice } from '../../subgraphs/order/src/entities/product-price.entity.js';
import type { GraphQLResponse } from './graphql-client.js';
import type { TestStack } from './stack.js';
import { waitFor } from './wait.js';

/** The built-in test card processor's cards (DESIGN.md). */
export const CARDS = {
  ok: '4242424242424242',
  declined: '4000000000000002',
  insufficientFunds: '4000000000009995',
};

/**
 * What setting up a shop needs of a running supergraph: in-process (a TestStack, see
 * `stackBackend`) or as processes (the benchmark's cluster).
 */
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

/** Creates a product through the gateway as admin, and waits until the order service can price it. */
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

/** Adds a card for the token's customer, and waits until the order service knows it is theirs. */
export async function addCard(shop: ShopBackend, token: string, cardNumber = CARDS.ok): Promise<string> {
  const res = await shop.query(
    `mutation($i: AddPaymentMethodInput!) { addPaymentMethod(input: $i) { id } }`,
    { i: { cardNumber, expMonth: 12, expYear: new Date().getUTCFullYear() + 3, cvc: '123' } },
    token,
  );
  if (!res.data) throw new Error(`addPaymentMethod failed: ${JSON.stringify(res.errors)}`);
  const id = res.data.addPaymentMethod.id as string;
  await waitFor('the order service to learn the card', async () => ((await shop.orderServiceKnows('card', id)) ? true : undefined));
  return id;
}
