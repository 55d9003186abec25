import { randomUUID } from 'node:crypto';
import type { TestStack } from '../lib/testing/stack.js';
import { Product } from '../subgraphs/inventory/src/entities/product.entity.js';
import { Notification } from '../subgraphs/notification/src/entities/notification.entity.js';
import { OrderItem } from '../subgraphs/order/src/entities/order-item.entity.js';
import { OrderStatusChange } from '../subgraphs/order/src/entities/order-status-change.entity.js';
import { Order } from '../subgraphs/order/src/entities/order.entity.js';
import type { OrderStatus } from '../subgraphs/order/src/entities/order-status.js';
import { PaymentMethod } from '../subgraphs/payment/src/entities/payment-method.entity.js';
import { Payment } from '../subgraphs/payment/src/entities/payment.entity.js';

/** Inserts products straight into the inventory database. */
export async function insertProducts(stack: TestStack, specs: { name: string; priceCents: number; stock: number }[]): Promise<Product[]> {
  const em = stack.subgraphs.inventory.db.orm.em.fork();
  const products = specs.map((s) =>
    Object.assign(new Product(), { sku: `SKU-${randomUUID().slice(0, 8)}`, name: s.name, priceCents: s.priceCents, stockQuantity: s.stock, description: `${s.name}, for tests.` }),
  );
  await em.persistAndFlush(products);
  return products;
}

/**
 * Writes one settled order across the four databases, as the saga would leave it: the order and its
 * lines and history, a captured payment, and a sent confirmation email.
 */
export async function insertPaidOrder(
  stack: TestStack,
  customer: { id: string; email: string },
  lines: { product: Product; quantity: number }[],
  placedAt = new Date(),
): Promise<{ order: Order; payment: Payment; notification: Notification }> {
  const orderEm = stack.subgraphs.order.db.orm.em.fork();
  const method = Object.assign(new PaymentMethod(), { customerId: customer.id, token: `tok_${randomUUID()}`, brand: 'visa', last4: '4242', expMonth: 12, expYear: 2030 });
  const order = Object.assign(new Order(), {
    customerId: customer.id,
    paymentMethodId: method.id,
    idempotencyKey: randomUUID(),
    requestHash: 'fixture',
    status: 'PAID' as OrderStatus,
    totalCents: lines.reduce((sum, l) => sum + l.product.priceCents * l.quantity, 0),
    placedAt,
  });
  const items = lines.map((l, position) =>
    Object.assign(new OrderItem(), { orderId: order.id, productId: l.product.id, quantity: l.quantity, unitPriceCents: l.product.priceCents, position }),
  );
  const history = (['PENDING', 'RESERVED', 'PAID'] as OrderStatus[]).map((status, i) =>
    Object.assign(new OrderStatusChange(), { orderId: order.id, status, at: new Date(placedAt.getTime() + i) }),
  );
  await orderEm.persistAndFlush([order, ...items, ...history]);

  const paymentEm = stack.subgraphs.payment.db.orm.em.fork();
  const payment = Object.assign(new Payment(), {
    orderId: order.id,
    customerId: customer.id,
    amountCents: order.totalCents,
    status: 'CAPTURED' as const,
    attempts: 1,
    paymentMethodId: method.id,
    processedAt: new Date(),
  });
  await paymentEm.persistAndFlush([method, payment]);

  const notificationEm = stack.subgraphs.notification.db.orm.em.fork();
  const notification = Object.assign(new Notification(), {
    channel: 'EMAIL' as const,
    template: 'order-confirmation',
    recipient: customer.email,
    subject: `Your order ${order.id.slice(0, 8)}`,
    customerId: customer.id,
    orderId: order.id,
    eventId: randomUUID(),
    status: 'SENT' as const,
    attempts: 1,
    sentAt: new Date(),
  });
  await notificationEm.persistAndFlush(notification);
  return { order, payment, notification };
}
