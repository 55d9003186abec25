import { randomUUID } from 'node:crypto';
import { waitFor } from '../../lib/testing/wait.js';
import { ORDERS_PAGE } from './queries.js';
import type { ShopBackend } from '../../lib/testing/shop.js';
import type { Shopper } from './seed-shop.js';

/**
 * Places `count` orders for one shopper through the gateway and waits until the saga has settled
 * every one (PAID, payment captured, confirmation queued), so reads of them no longer change.
 */
export async function seedSettledOrders(shop: ShopBackend, shopper: Shopper, productIds: string[], count: number): Promise<void> {
  for (let i = 0; i < count; i += 10) {
    await Promise.all(
      Array.from({ length: Math.min(10, count - i) }, async (_, j) => {
        const n = i + j;
        const items = [
          { productId: productIds[n % productIds.length], quantity: 1 },
          { productId: productIds[(n + 3) % productIds.length], quantity: 2 },
        ];
        const res = await shop.query(
          `mutation($i: PlaceOrderInput!, $k: String!) { placeOrder(input: $i, idempotencyKey: $k) { id } }`,
          { i: { items, paymentMethodId: shopper.cardId }, k: randomUUID() },
          shopper.token,
        );
        if (!res.data) throw new Error(`placeOrder failed: ${JSON.stringify(res.errors)}`);
      }),
    );
  }
  await waitFor(
    `${count} orders to settle`,
    async () => {
      const res = await shop.query(ORDERS_PAGE, { first: count }, shopper.token);
      const nodes = (res.data?.orders.nodes ?? []) as { status: string; payment: { status: string } | null; notifications: unknown[] }[];
      return nodes.length === count && nodes.every((o) => o.status === 'PAID' && o.payment?.status === 'CAPTURED' && o.notifications.length > 0) ? true : undefined;
    },
    60_000,
    250,
  );
}
