import { randomUUID } from 'node:crypto';
import type { TestStack } from '../lib/testing/stack.js';
import { addCard as addCardVia, CARDS, createProduct as createProductVia, stackBackend } from '../lib/testing/shop.js';
import { waitFor } from '../lib/testing/wait.js';
import { Order } from '../subgraphs/order/src/entities/order.entity.js';

export { CARDS } from '../lib/testing/shop.js';

export const FINAL = ['PAID', 'FAILED', 'CANCELLED', 'DELIVERED'];

/** Creates a product through the gateway as admin, and waits until the order service can price it. */
export async function createProduct(stack: TestStack, spec: { name: string; priceCents: number; stock: number }): Promise<{ id: string }> {
  return { id: await createProductVia(stackBackend(stack), spec) };
}

/** Adds a card for the token's customer, and waits until the order service knows it is theirs. */
export function addCard(stack: TestStack, token: string, cardNumber = CARDS.ok): Promise<string> {
  return addCardVia(stackBackend(stack), token, cardNumber);
}

export async function placeOrder(
  stack: TestStack,
  token: string,
  items: { productId: string; quantity: number }[],
  paymentMethodId: string,
  idempotencyKey: string = randomUUID(),
) {
  return stack.query(
    `mutation($i: PlaceOrderInput!, $k: String!) { placeOrder(input: $i, idempotencyKey: $k) { id status total { cents } } }`,
    { i: { items, paymentMethodId }, k: idempotencyKey },
    token,
  );
}

/** Polls the order through the gateway until it reaches one of `statuses`. */
export async function waitForStatus(stack: TestStack, token: string, orderId: string, statuses = FINAL, timeoutMs = 20_000) {
  return waitFor(
    `order ${orderId} to reach ${statuses.join('/')}`,
    async () => {
      const res = await stack.query(`query($id: ID!) { order(id: $id) { id status failureReason } }`, { id: orderId }, token);
      const order = res.data?.order;
      return order && statuses.includes(order.status) ? (order as { id: string; status: string; failureReason: string | null }) : undefined;
    },
    timeoutMs,
  );
}

/**
 * Waits until every order is in one of `statuses`, reading the order database in one query per look.
 * For many orders at once: a poll per order through the gateway would load the process serving
 * the saga more than the saga itself does.
 */
export async function waitForStatuses(stack: TestStack, orderIds: string[], statuses = FINAL, timeoutMs = 60_000) {
  return waitFor(
    `${orderIds.length} orders to reach ${statuses.join('/')}`,
    async () => {
      const orders = await stack.subgraphs.order.db.orm.em.fork().find(Order, { id: { $in: orderIds } }, { fields: ['id', 'status', 'failureReason'] });
      const byId = new Map(orders.map((o) => [o.id, o]));
      if (!orderIds.every((id) => statuses.includes(byId.get(id)?.status ?? ''))) return undefined;
      return orderIds.map((id) => ({ id, status: byId.get(id)!.status as string, failureReason: byId.get(id)!.failureReason }));
    },
    timeoutMs,
    100,
  );
}

/** A product's stock as the inventory database holds it right now, without a request through the gateway. */
export async function storedStock(stack: TestStack, productId: string) {
  const [row] = await stack.subgraphs.inventory.db.orm.em
    .getConnection()
    .execute<{ stock_quantity: number; available: number }[]>('select stock_quantity, stock_quantity - reserved as available from products where id = ?', [productId]);
  return { stockQuantity: row.stock_quantity, available: row.available };
}

export async function productStock(stack: TestStack, productId: string) {
  const res = await stack.query(`query($id: ID!) { product(id: $id) { stockQuantity reserved available } }`, { id: productId });
  return res.data.product as { stockQuantity: number; reserved: number; available: number };
}
