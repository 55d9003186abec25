import { randomInt, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { bearer, postGraphQL, type GraphQLResponse } from '../../lib/testing/graphql-client.js';
import { waitFor } from '../../lib/testing/wait.js';
import type { FaultCluster } from './cluster.js';

export const CARDS = { ok: '4242424242424242', declined: '4000000000000002' };

export interface Shopper {
  id: string;
  email: string;
  token: string;
  cardId: string;
}

export interface Product {
  id: string;
  initialStock: number;
}

export interface OrderLine {
  productId: string;
  quantity: number;
}

/** One order the load tried to place, identified by its idempotency key from the first attempt on. */
export interface PlacedOrder {
  key: string;
  shopper: Shopper;
  lines: OrderLine[];
  /** The order's id once a placeOrder answered. */
  id?: string;
  sentAt: number;
  attempts: number;
  lastError?: string;
  /** Refused for good (a 4xx-style code): a bug in the load, not a fault to ride out. */
  rejected?: string;
  /** Still unanswered when the load gave up. */
  gaveUp?: boolean;
  /** The load cancels some orders right after placing them, racing the saga. */
  cancel: boolean;
}

/** Codes that a retry cannot change. */
const TERMINAL = new Set(['BAD_USER_INPUT', 'IDEMPOTENCY_KEY_REUSED', 'UNAUTHENTICATED', 'FORBIDDEN', 'PAYMENT_METHOD_INVALID', 'NOT_FOUND']);
const REQUEST_TIMEOUT_MS = 10_000;
/** How long one order's placement is retried (same key) before the load gives up on it: a lost order. */
const GIVE_UP_AFTER_MS = 90_000;

const PLACE = `mutation($i: PlaceOrderInput!, $k: String!) { placeOrder(input: $i, idempotencyKey: $k) { id status } }`;
const CANCEL = `mutation($id: ID!) { cancelOrder(id: $id, reason: "fault suite") { status } }`;

export async function gql<D = any>(url: string, query: string, variables: Record<string, unknown>, token?: string, timeoutMs = REQUEST_TIMEOUT_MS): Promise<GraphQLResponse<D>> {
  return postGraphQL<D>(url, query, variables, bearer(token), { timeoutMs });
}

async function must<D = any>(what: string, res: Promise<GraphQLResponse<D>>): Promise<D> {
  const r = await res;
  if (!r.data || r.errors) throw new Error(`${what} failed: ${JSON.stringify(r.errors)}`);
  return r.data;
}

export async function adminToken(cluster: FaultCluster): Promise<string> {
  const data = await must('admin login', gql(cluster.gatewayUrl, `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }`, { e: cluster.env.ADMIN_EMAIL, p: cluster.env.ADMIN_PASSWORD }));
  return data.login.token;
}

/** Registers customers through the gateway, each with a card (every `declinedEvery`-th one declines), known to the order service. */
export async function registerShoppers(cluster: FaultCluster, count: number, declinedEvery = 0): Promise<Shopper[]> {
  const url = cluster.gatewayUrl;
  const shoppers: Shopper[] = [];
  // A few at a time: password hashing (scrypt) is meant to be slow, and the machine has two cores.
  for (let from = 0; from < count; from += 4) {
    shoppers.push(...(await Promise.all(Array.from({ length: Math.min(4, count - from) }, (_, j) => registerShopper(url, from + j, declinedEvery)))));
  }
  await waitFor('the order service to learn every card', async () => {
    const { rows } = await cluster.db.order.query<{ n: string }>('select count(*) as n from payment_method_refs where id = any($1)', [shoppers.map((s) => s.cardId)]);
    return Number(rows[0].n) === shoppers.length ? true : undefined;
  }, 30_000, 200);
  return shoppers;
}

async function registerShopper(url: string, i: number, declinedEvery: number): Promise<Shopper> {
  const email = `shopper-${i}-${randomUUID().slice(0, 8)}@example.test`;
  const reg = await must('registerCustomer', gql(url, `mutation($i: RegisterCustomerInput!) { registerCustomer(input: $i) { token customer { id } } }`, { i: { email, name: `Shopper ${i}`, password: 'correct horse battery' } }));
  const token = reg.registerCustomer.token as string;
  const cardNumber = declinedEvery && i % declinedEvery === declinedEvery - 1 ? CARDS.declined : CARDS.ok;
  const card = await must('addPaymentMethod', gql(url, `mutation($i: AddPaymentMethodInput!) { addPaymentMethod(input: $i) { id } }`, { i: { cardNumber, expMonth: 12, expYear: new Date().getUTCFullYear() + 3, cvc: '123' } }, token));
  return { id: reg.registerCustomer.customer.id as string, email, token, cardId: card.addPaymentMethod.id as string };
}

/** Creates products as admin, and waits until the order service can price every one. */
export async function createProducts(cluster: FaultCluster, token: string, stocks: number[]): Promise<Product[]> {
  const products = await Promise.all(
    stocks.map(async (stock, i) => {
      const data = await must('createProduct', gql(cluster.gatewayUrl, `mutation($i: CreateProductInput!) { createProduct(input: $i) { id } }`, { i: { sku: `FAULT-${randomUUID().slice(0, 12)}`, name: `Fault product ${i}`, priceCents: 500 + 100 * i, stockQuantity: stock } }, token));
      return { id: data.createProduct.id as string, initialStock: stock };
    }),
  );
  await waitFor('the order service to price every product', async () => {
    const { rows } = await cluster.db.order.query<{ n: string }>('select count(*) as n from product_prices where product_id = any($1)', [products.map((p) => p.id)]);
    return Number(rows[0].n) === products.length ? true : undefined;
  }, 30_000, 200);
  return products;
}

export interface OrderFlowOptions {
  /** Gateways to spread orders over; a retry goes to the next one. */
  gatewayUrls: string[];
  shoppers: Shopper[];
  products: Product[];
  ratePerSecond: number;
  /** Share of orders cancelled right after placing (0…1). */
  cancelShare?: number;
  /** Called with each order once placeOrder answered with its id. */
  onPlaced?: (order: PlacedOrder) => void;
}

/**
 * Orders at a steady rate through the gateway, like clients that keep their idempotency key and
 * retry until they get an answer: a fault may delay an order, never lose or double it.
 */
export class OrderFlow {
  readonly orders: PlacedOrder[] = [];
  /** What failed placements answered, by kind ("DOWNSTREAM_SERVICE_ERROR", "fetch failed"…). */
  readonly failures = new Map<string, number>();
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private sent = 0;

  constructor(private readonly opts: OrderFlowOptions) {}

  /** Spreads orders over these gateways from now on. */
  useGateways(urls: string[]): void {
    this.opts.gatewayUrls = urls;
  }

  start(): void {
    this.timer = setInterval(() => this.launch(), 1000 / this.opts.ratePerSecond);
  }

  /** Stops placing new orders and waits for those under way to be answered (or given up on). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    while (this.inFlight.size) await Promise.all(this.inFlight);
  }

  /** Orders whose placement needed more than one attempt. */
  get retried(): number {
    return this.orders.filter((o) => o.attempts > 1).length;
  }

  private count(kind: string): void {
    this.failures.set(kind, (this.failures.get(kind) ?? 0) + 1);
  }

  private launch(): void {
    const { shoppers, products } = this.opts;
    const shopper = shoppers[this.sent % shoppers.length];
    const picked = new Set<Product>([products[randomInt(products.length)]]);
    if (randomInt(3) === 0) picked.add(products[randomInt(products.length)]);
    const order: PlacedOrder = {
      key: randomUUID(),
      shopper,
      lines: [...picked].map((p) => ({ productId: p.id, quantity: 1 + randomInt(3) })),
      sentAt: Date.now(),
      attempts: 0,
      cancel: Math.random() < (this.opts.cancelShare ?? 0),
    };
    this.orders.push(order);
    const gateway = this.sent++;
    const job = this.place(order, gateway).finally(() => this.inFlight.delete(job));
    this.inFlight.add(job);
  }

  private async place(order: PlacedOrder, gateway: number): Promise<void> {
    const urls = this.opts.gatewayUrls;
    const giveUpAt = order.sentAt + GIVE_UP_AFTER_MS;
    const variables = { i: { items: order.lines, paymentMethodId: order.shopper.cardId }, k: order.key };
    for (;;) {
      const url = urls[(gateway + order.attempts) % urls.length];
      order.attempts++;
      try {
        const res = await gql(url, PLACE, variables, order.shopper.token);
        if (res.data?.placeOrder) {
          order.id = res.data.placeOrder.id;
          break;
        }
        const code = String(res.errors?.[0]?.extensions?.code ?? res.status);
        order.lastError = `${code}: ${res.errors?.[0]?.message}`;
        this.count(code);
        if (TERMINAL.has(code)) {
          order.rejected = order.lastError;
          return;
        }
      } catch (err) {
        order.lastError = (err as Error).message;
        this.count(order.lastError);
      }
      if (Date.now() > giveUpAt) {
        order.gaveUp = true;
        return;
      }
      await sleep(Math.min(1000, 100 * 2 ** order.attempts));
    }
    this.opts.onPlaced?.(order);
    if (order.cancel) await this.cancel(order, urls[gateway % urls.length]);
  }

  /** Cancels, racing the saga: CONFLICT (already failed or, for a slow cancel, nothing left to cancel) is an answer too. */
  private async cancel(order: PlacedOrder, url: string): Promise<void> {
    await sleep(randomInt(300));
    for (let attempt = 0; attempt < 20; attempt++) {
      try {
        const res = await gql(url, CANCEL, { id: order.id }, order.shopper.token);
        if (res.data?.cancelOrder || res.errors?.[0]?.extensions?.code === 'CONFLICT') return;
      } catch {
        // retried below
      }
      await sleep(500);
    }
  }
}
