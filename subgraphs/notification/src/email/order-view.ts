import type { SqlTarget } from '../../../../lib/db/sql.js';
import { CURRENCY } from '../../../../lib/money.js';
import { findCatalogProducts } from '../services/catalog-products.js';

const currency = new Intl.NumberFormat('en-US', { style: 'currency', currency: CURRENCY });

/** "$1,234.50" from 123450. */
export const formatCents = (cents: number): string => currency.format(cents / 100);

export interface OrderLineView {
  productId: string;
  /** The product's name, or its id when this service has not yet heard of the product. */
  name: string;
  sku: string | null;
  quantity: number;
  unitPrice: string;
  lineTotal: string;
}

/** What every order email can show. */
export interface OrderView {
  orderId: string;
  /** A short reference people can read out on the phone; the full id is in the email too. */
  orderNumber: string;
  customerName: string;
  lines: OrderLineView[];
  total: string | null;
}

export interface OrderFacts {
  orderId: string;
  customerName: string;
  lines?: { productId: string; quantity: number; unitPriceCents: number }[];
  totalCents?: number;
}

export const orderNumber = (orderId: string): string => orderId.slice(0, 8).toUpperCase();

/** The order as an email shows it, with product names from this service's catalog copy. */
export async function orderView(em: SqlTarget, facts: OrderFacts): Promise<OrderView> {
  const lines = facts.lines ?? [];
  const products = await findCatalogProducts(em, lines.map((l) => l.productId));
  return {
    orderId: facts.orderId,
    orderNumber: orderNumber(facts.orderId),
    customerName: facts.customerName,
    lines: lines.map((l) => {
      const product = products.get(l.productId);
      return {
        productId: l.productId,
        name: product?.name ?? `Product ${l.productId}`,
        sku: product?.sku ?? null,
        quantity: l.quantity,
        unitPrice: formatCents(l.unitPriceCents),
        lineTotal: formatCents(l.unitPriceCents * l.quantity),
      };
    }),
    total: facts.totalCents === undefined ? null : formatCents(facts.totalCents),
  };
}
