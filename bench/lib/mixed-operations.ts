import { randomUUID } from 'node:crypto';

/** The operations of the mixed workload, each reported on its own row. */
export type MixedOperation = 'browseProducts' | 'searchProducts' | 'productDetail' | 'myOrders' | 'placeOrder';

/**
 * What a shopper does after each think time, by share of actions. Browsing is half of it (one
 * browse in four is a search), then product pages, order history, and one action in ten places an
 * order: a storefront's read-heavy shape, with writes frequent enough to keep the saga busy.
 */
export const MIX: readonly { operation: MixedOperation; share: number }[] = [
  { operation: 'browseProducts', share: 0.375 },
  { operation: 'searchProducts', share: 0.125 },
  { operation: 'productDetail', share: 0.15 },
  { operation: 'myOrders', share: 0.25 },
  { operation: 'placeOrder', share: 0.1 },
];

const PRODUCT_CARD = 'id name price { amount currencyCode } available inStock';

/** The documents, named so that gateway logs and traces tell the operations apart. */
export const DOCUMENTS: Record<MixedOperation, string> = {
  browseProducts: `query BrowseProducts($first: Int!, $inStock: Boolean) {
    products(first: $first, inStock: $inStock) { totalCount pageInfo { hasNextPage endCursor } nodes { ${PRODUCT_CARD} } }
  }`,
  searchProducts: `query SearchProducts($first: Int!, $search: String!) {
    products(first: $first, search: $search) { totalCount nodes { ${PRODUCT_CARD} } }
  }`,
  productDetail: `query ProductDetail($id: ID!) {
    product(id: $id) { id sku name description price { amount currencyCode } stockQuantity available inStock }
  }`,
  // Three subgraphs: orders and items from order, product names from inventory, payment from payment.
  myOrders: `query MyOrders($first: Int!) {
    orders(first: $first) {
      totalCount
      nodes { id status placedAt total { amount currencyCode } items { quantity unitPrice { amount } product { id name } } payment { status } }
    }
  }`,
  placeOrder: `mutation PlaceOrder($input: PlaceOrderInput!, $key: String!) {
    placeOrder(input: $input, idempotencyKey: $key) { id status statusVersion total { amount } }
  }`,
};

/** What a shopper's client holds: its token, its card, and the catalog it was shown. */
export interface ActionContext {
  cardId: string;
  productIds: readonly string[];
  /** Words a shopper might type into the search box, taken from the catalog's names. */
  searchTerms: readonly string[];
}

export interface Action {
  operation: MixedOperation;
  query: string;
  variables: Record<string, unknown>;
  /** Undefined when the answer has the shape the client needs, else what is wrong with it. */
  check(data: Record<string, any> | undefined | null): string | undefined;
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)];

/** `n` different items of `items` (all of them when there are fewer). */
function pickDistinct<T>(items: readonly T[], n: number): T[] {
  const pool = [...items];
  const out: T[] = [];
  while (out.length < n && pool.length) out.push(pool.splice(Math.floor(Math.random() * pool.length), 1)[0]);
  return out;
}

/** The operation for a uniform draw `u` in [0, 1). */
export function operationFor(u: number): MixedOperation {
  let acc = 0;
  for (const { operation, share } of MIX) {
    acc += share;
    if (u < acc) return operation;
  }
  return MIX[MIX.length - 1].operation;
}

const expect = (ok: boolean, what: string) => (ok ? undefined : what);

/** One action of `operation` with fresh arguments: random products, lines, and idempotency key. */
export function buildAction(operation: MixedOperation, ctx: ActionContext): Action {
  const query = DOCUMENTS[operation];
  switch (operation) {
    case 'browseProducts':
      return {
        operation,
        query,
        // A storefront list; one in five with the "in stock only" filter on.
        variables: { first: 20, inStock: Math.random() < 0.2 ? true : null },
        check: (d) => expect(Array.isArray(d?.products?.nodes), 'no products.nodes in the answer'),
      };
    case 'searchProducts':
      return {
        operation,
        query,
        variables: { first: 20, search: pick(ctx.searchTerms) },
        check: (d) => expect(Array.isArray(d?.products?.nodes), 'no products.nodes in the answer'),
      };
    case 'productDetail': {
      const id = pick(ctx.productIds);
      return { operation, query, variables: { id }, check: (d) => expect(d?.product?.id === id, `product ${id} missing from the answer`) };
    }
    case 'myOrders':
      return { operation, query, variables: { first: 10 }, check: (d) => expect(Array.isArray(d?.orders?.nodes), 'no orders.nodes in the answer') };
    case 'placeOrder': {
      const lines = pickDistinct(ctx.productIds, 1 + Math.floor(Math.random() * 3));
      return {
        operation,
        query,
        variables: {
          input: { items: lines.map((productId) => ({ productId, quantity: 1 + Math.floor(Math.random() * 2) })), paymentMethodId: ctx.cardId },
          key: randomUUID(),
        },
        check: (d) => expect(typeof d?.placeOrder?.id === 'string', 'no placeOrder.id in the answer'),
      };
    }
  }
}

/**
 * Search terms from product names: each whole name (a shopper who knows what they want) and its
 * first word (a broad search), so searches hit whatever catalog the target was seeded with.
 */
export function searchTermsFrom(names: readonly string[]): string[] {
  const terms = new Set<string>();
  for (const name of names) {
    terms.add(name);
    const first = name.split(/\s+/)[0];
    if (first && first.length >= 3) terms.add(first);
  }
  return [...terms];
}
