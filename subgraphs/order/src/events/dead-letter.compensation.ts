import type { EventBus } from '../../../../lib/events/bus.js';
import type { Subscription } from '../../../../lib/events/consumer.js';
import { isUuid } from '../../../../lib/ids.js';
import { failOrder } from './saga.handlers.js';

/** The services whose steps the saga cannot finish without; a notification that failed is no reason to fail an order. */
const SAGA_SERVICES = ['order_', 'inventory_', 'payment_'];

/**
 * When a saga step dead-letters an event about an order, the saga cannot finish on its own: fail
 * the order (PROCESSING_ERROR) so stock is released and a capture refunded, instead of leaving it stuck.
 */
export function deadLetterCompensation(bus: EventBus): Subscription {
  return {
    durable: 'order_dead_letter_compensation',
    stream: bus.deadLetterStream,
    subject: `${bus.prefix}.dlq.>`,
    isDeadLetterConsumer: true,
    validate() {},
    async handle(em, envelope, meta) {
      if (!SAGA_SERVICES.some((prefix) => meta.deadLetterConsumer?.startsWith(prefix))) return;
      const data = envelope.data as { orderId?: unknown } | null;
      const orderId = typeof data?.orderId === 'string' ? data.orderId : envelope.aggregateId;
      if (isUuid(orderId)) await failOrder(em, orderId, 'PROCESSING_ERROR', envelope);
    },
  };
}
