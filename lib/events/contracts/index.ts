import type { z } from 'zod';
import { customerRegistered } from './customer.events.js';
import { productCreated, productUpdated, stockRejected, stockReserved } from './inventory.events.js';
import {
  orderCancelled,
  orderDelivered,
  orderFailed,
  orderPaid,
  orderPaymentRequested,
  orderPlaced,
  orderShipped,
  orderStatusChanged,
} from './order.events.js';
import { paymentFailed, paymentMethodAdded, paymentMethodRemoved, paymentRefunded, paymentSucceeded } from './payment.events.js';

/** Every event type on the bus. `npm run events:catalog` writes schema/events.md from this list. */
export const EVENTS = {
  'customer.registered': customerRegistered,
  'order.placed': orderPlaced,
  'order.payment_requested': orderPaymentRequested,
  'order.paid': orderPaid,
  'order.failed': orderFailed,
  'order.cancelled': orderCancelled,
  'order.shipped': orderShipped,
  'order.delivered': orderDelivered,
  'order.status_changed': orderStatusChanged,
  'inventory.product_created': productCreated,
  'inventory.product_updated': productUpdated,
  'inventory.stock_reserved': stockReserved,
  'inventory.stock_rejected': stockRejected,
  'payment.succeeded': paymentSucceeded,
  'payment.failed': paymentFailed,
  'payment.refunded': paymentRefunded,
  'payment.method_added': paymentMethodAdded,
  'payment.method_removed': paymentMethodRemoved,
} as const;

export type EventType = keyof typeof EVENTS;
export type EventData<T extends EventType> = z.infer<(typeof EVENTS)[T]['schema']>;

export function isEventType(type: string): type is EventType {
  return Object.hasOwn(EVENTS, type);
}
