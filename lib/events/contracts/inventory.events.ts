import { z } from 'zod';
import { cents, uuid } from './common.js';
import { defineEvent } from './define.js';

const product = z.object({ productId: uuid, sku: z.string(), name: z.string(), priceCents: cents, active: z.boolean() });

export const productCreated = defineEvent({
  type: 'inventory.product_created',
  description: 'A product was added to the catalog.',
  producer: 'inventory',
  consumers: ['order', 'notification'],
  schema: product,
});

export const productUpdated = defineEvent({
  type: 'inventory.product_updated',
  description: "A product's name, price or active flag changed; the order service keeps its price copy current, the notification service its name copy.",
  producer: 'inventory',
  consumers: ['order', 'notification'],
  schema: product,
});

export const stockReserved = defineEvent({
  type: 'inventory.stock_reserved',
  description: 'Every line of an order is reserved.',
  producer: 'inventory',
  consumers: ['order'],
  schema: z.object({ orderId: uuid, lines: z.array(z.object({ productId: uuid, quantity: z.number().int().positive() })) }),
});

export const stockRejected = defineEvent({
  type: 'inventory.stock_rejected',
  description: 'An order could not be reserved: nothing was reserved for any of its lines.',
  producer: 'inventory',
  consumers: ['order'],
  schema: z.object({
    orderId: uuid,
    reason: z.enum(['OUT_OF_STOCK', 'PRODUCT_UNAVAILABLE']),
    productIds: z.array(uuid),
  }),
});
