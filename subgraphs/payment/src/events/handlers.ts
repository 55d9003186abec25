import type { EventHandlers, EventSteps } from '../../../../lib/events/handlers.js';
import type { CardProcessor } from '../processor/card-processor.js';
import type { RetryPolicy } from '../services/charge-attempts.js';
import { chargeOrder } from '../services/charge-order.js';
import { refundForOrder } from '../services/refund.service.js';

/**
 * The payment side of the order saga: what this service does with each event it consumes. The
 * charge, which every order needs, is a step; refunds use the entity API.
 */
export function paymentEventWork(processor: CardProcessor, retryPolicy: RetryPolicy): { handlers: EventHandlers; steps: EventSteps } {
  return {
    steps: {
      'order.payment_requested': async (tx, event) => {
        await chargeOrder(tx, processor, event, retryPolicy);
      },
    },
    handlers: {
      'order.cancelled': (em, event) => refundForOrder(em, processor, event),
      'order.failed': (em, event) => refundForOrder(em, processor, event),
    },
  };
}
