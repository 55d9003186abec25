import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { createTokenSigner } from '../../lib/auth/jwt.js';
import type { Env } from '../../lib/config.js';
import { loadGatewayConfig } from '../../gateway/src/config.js';
import { createProduct, type ShopBackend } from '../../lib/testing/shop.js';

export interface Subscriber {
  customerId: string;
  token: string;
  orderId: string;
}

/**
 * The supergraph being seeded, in-process or a cluster: the gateway to create the product through,
 * and the settings (order database, JWT private key, issuer and audience) to write customers and
 * sign their tokens directly.
 */
export interface SeedTarget {
  shop: ShopBackend;
  env: Env;
}

/** Sequence of the seeded orders' current state (PAID after PENDING, RESERVED): the first event is 4. */
export const SEEDED_SEQUENCE = 3;

/**
 * `count` customers with a signed token each, written straight into the order database (the
 * registration mutation hashes a password per customer, which would dominate the run), and a
 * product the orders' lines refer to, so re-resolving an order reaches the inventory subgraph.
 */
export async function seedCustomers(target: SeedTarget, count: number): Promise<{ customers: { id: string; token: string }[]; productId: string; unitPriceCents: number }> {
  const productId = await createProduct(target.shop, { name: 'Fan-out Fan', priceCents: 1999, stock: 1_000_000 });
  const config = loadGatewayConfig(target.env);
  const sign = await createTokenSigner(target.env.JWT_PRIVATE_KEY!, { issuer: config.jwtIssuer, audience: config.jwtAudience }, 3600);
  const ids = Array.from({ length: count }, () => randomUUID());
  const tag = randomBytes(4).toString('hex');
  await withOrderDb(target, (db) =>
    db.query(
      `insert into customers (id, email, name, role, password_hash, created_at)
       select id, 'fanout-' || n || '-${tag}@example.test', 'Fan-out Customer ' || n, 'CUSTOMER', 'not-a-login', now()
       from unnest($1::uuid[]) with ordinality as t(id, n)`,
      [ids],
    ),
  );
  const tokens = await Promise.all(ids.map((id) => sign({ customerId: id, role: 'CUSTOMER' })));
  return { customers: ids.map((id, i) => ({ id, token: tokens[i] })), productId, unitPriceCents: 1999 };
}

/** One PAID order (at sequence 3) with one line for each customer: what each subscriber follows. */
export async function seedOrders(
  target: SeedTarget,
  seed: Awaited<ReturnType<typeof seedCustomers>>,
  count: number,
): Promise<Subscriber[]> {
  const customers = seed.customers.slice(0, count);
  const orderIds = customers.map(() => randomUUID());
  await withOrderDb(target, async (db) => {
    await db.query(
      `insert into orders (id, customer_id, status, total_cents, payment_method_id, idempotency_key, request_hash, status_sequence, placed_at, updated_at)
       select o, c, 'PAID', $3, gen_random_uuid(), o::text, 'bench', ${SEEDED_SEQUENCE}, now(), now()
       from unnest($1::uuid[], $2::uuid[]) as t(o, c)`,
      [orderIds, customers.map((c) => c.id), seed.unitPriceCents],
    );
    await db.query(
      `insert into order_items (id, order_id, product_id, quantity, unit_price_cents, position)
       select gen_random_uuid(), o, $2, 1, $3, 0 from unnest($1::uuid[]) as t(o)`,
      [orderIds, seed.productId, seed.unitPriceCents],
    );
  });
  return customers.map((c, i) => ({ customerId: c.id, token: c.token, orderId: orderIds[i] }));
}

async function withOrderDb<T>(target: SeedTarget, work: (db: pg.Client) => Promise<T>): Promise<T> {
  const db = new pg.Client({ connectionString: target.env.ORDER_DATABASE_URL });
  await db.connect();
  try {
    return await work(db);
  } finally {
    await db.end();
  }
}
