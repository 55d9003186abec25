import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { describe, expect, it } from 'vitest';
import type { EventData } from '../../../../lib/events/contracts/index.js';
import { CatalogProduct } from '../entities/catalog-product.entity.js';
import { CustomerContact } from '../entities/customer-contact.entity.js';
import { emailsForEvents, type EmailingEventType } from '../events/emails-for-events.js';
import { EMAIL_KINDS, EmailTemplates } from './templates.js';

const kettle = Object.assign(new CatalogProduct(), { productId: randomUUID(), sku: 'KET-1', name: 'Copper <Kettle> & Co', sourceAt: new Date() });
const unknownProduct = randomUUID();
const customerId = randomUUID();
const contact = Object.assign(new CustomerContact(), { customerId, email: 'ada@example.test', name: 'Ada', sourceAt: new Date() });

/** Stands in for the transaction's EntityManager: the plans only look up products and contacts, with SQL. */
const em = {
  getConnection: () => ({
    execute: async (sql: string, params: unknown[], method: string) => {
      if (!sql.includes('customer_contacts')) return [{ product_id: kettle.productId, sku: kettle.sku, name: kettle.name }];
      const found = params[0] === customerId ? { email: contact.email, name: contact.name } : undefined;
      return method === 'get' ? found : found ? [found] : [];
    },
  }),
  getTransactionContext: () => undefined,
} as unknown as EntityManager;

const orderId = 'a1b2c3d4-0000-4000-8000-000000000000';
const ref = { orderId, customerId, customerEmail: 'ada@example.test', customerName: 'Ada' };
const lines = [
  { productId: kettle.productId, quantity: 2, unitPriceCents: 1250 },
  { productId: unknownProduct, quantity: 1, unitPriceCents: 100_000 },
];

/** A valid payload of every event that sends an email. */
const SAMPLES: { [T in EmailingEventType]: EventData<T> } = {
  'customer.registered': { customerId, email: 'ada@example.test', name: 'Ada <script>' },
  'order.placed': { ...ref, lines, totalCents: 102_500, paymentMethodId: randomUUID() },
  'order.paid': { ...ref, lines, totalCents: 102_500, paymentId: randomUUID() },
  'order.shipped': { ...ref, lines, totalCents: 102_500, trackingNumber: '1Z-TRACK' },
  'order.delivered': { ...ref },
  'order.failed': { ...ref, reason: 'OUT_OF_STOCK', lines, totalCents: 102_500 },
  'order.cancelled': { ...ref, reason: null, previousStatus: 'PAID', lines, totalCents: 102_500 },
  'payment.refunded': { orderId, paymentId: randomUUID(), customerId, amountCents: 2500, refundedTotalCents: 7500, reason: 'damaged' },
};

async function render<T extends EmailingEventType>(type: T, data: EventData<T> = SAMPLES[type], templates = EmailTemplates.load(undefined, { strict: true })) {
  const plan = (await emailsForEvents[type](em, data))!;
  return { plan, ...templates.render(plan.kind, plan.data) };
}

describe('email templates', () => {
  it('has subject, html and text for every kind, each rendering every field its data names', async () => {
    const rendered = await Promise.all((Object.keys(SAMPLES) as EmailingEventType[]).map((type) => render(type)));
    expect(rendered.map((r) => r.plan.kind).sort()).toEqual([...EMAIL_KINDS].sort());
    for (const r of rendered) {
      expect(r.subject).not.toMatch(/\n|^\s|\s$/);
      expect(r.subject.length).toBeGreaterThan(10);
      expect(r.html).toContain('<html');
      expect(r.text).not.toMatch(/<\/?(p|h1|div|table|tr|td|strong|span)\b/);
    }
  });

  it('shows order lines with names, quantities, prices and the total; unknown products by id', async () => {
    const { subject, text, html } = await render('order.placed');
    expect(subject).toBe('We received your order A1B2C3D4');
    expect(text).toContain('2 × Copper <Kettle> & Co (KET-1) at $12.50 = $25.00');
    expect(text).toContain(`1 × Product ${unknownProduct} at $1,000.00 = $1,000.00`);
    expect(text).toContain('Order total: $1,025.00');
    expect(text).toContain(`Order A1B2C3D4 (id ${orderId})`);
    expect(html).toContain('Copper &lt;Kettle&gt; &amp; Co');
  });

  it('escapes customer data in HTML but not in the subject or text', async () => {
    const { subject, text, html } = await render('customer.registered');
    expect(subject).toBe('Welcome to Commerce, Ada <script>');
    expect(text).toContain('Welcome, Ada <script>!');
    expect(html).toContain('Welcome, Ada &lt;script&gt;!');
    expect(html).not.toContain('<script>');
  });

  it('says why an order failed and that nothing was charged, or that a charge in doubt is refunded', async () => {
    const outOfStock = await render('order.failed');
    expect(outOfStock.text).toContain('because some of the items are out of stock');
    expect(outOfStock.text).toContain('You have not been charged.');
    const ours = await render('order.failed', { ...SAMPLES['order.failed'], reason: 'PROCESSING_ERROR' });
    expect(ours.text).toContain('because of a problem on our side');
    expect(ours.text).toContain('If any payment was taken from your card, it will be refunded in full.');
    expect(ours.text).not.toContain('You have not been charged.');
  });

  it('says what a cancellation does with the money, by how far the order had got', async () => {
    const paid = await render('order.cancelled', { ...SAMPLES['order.cancelled'], reason: 'changed my mind' });
    expect(paid.text).toContain('was cancelled ("changed my mind").');
    expect(paid.text).toContain('The $1,025.00 you paid will be refunded to your card in full');
    const pending = await render('order.cancelled', { ...SAMPLES['order.cancelled'], previousStatus: 'PENDING' });
    expect(pending.text).toContain('was cancelled.');
    expect(pending.text).toContain('You have not been charged.');
    const reserved = await render('order.cancelled', { ...SAMPLES['order.cancelled'], previousStatus: 'RESERVED' });
    expect(reserved.text).toContain('If any payment was taken from your card');
  });

  it('confirms a refund to the address on file, with the running total after earlier refunds', async () => {
    const { plan, subject, text } = await render('payment.refunded');
    expect(plan.to).toBe('ada@example.test');
    expect(subject).toBe('We refunded $25.00 for order A1B2C3D4');
    expect(text).toContain('In all, $75.00 of this order has now been refunded.');
    const first = await render('payment.refunded', { ...SAMPLES['payment.refunded'], refundedTotalCents: 2500 });
    expect(first.text).not.toContain('In all');
    expect(await emailsForEvents['payment.refunded'](em, { ...SAMPLES['payment.refunded'], customerId: randomUUID() })).toBeNull();
  });

  it('shows the tracking number on the shipping update', async () => {
    const { subject, text, html } = await render('order.shipped');
    expect(subject).toBe('Your order A1B2C3D4 is on its way');
    expect(text).toContain('Tracking number: 1Z-TRACK');
    expect(html).toContain('1Z-TRACK');
  });

  it('refuses to start without a template file', () => {
    expect(() => EmailTemplates.load('/nonexistent')).toThrow(/Email template welcome has no subject/);
  });
});
