import type { EventHandlers } from '../../../../lib/events/handlers.js';
import type { CardProcessor } from '../processor/card-processor.js';
import type { RetryPolicy } from '../services/charge-attempts.js';
import { chargeOrder } from '../services/charge-order.js';
import { refundForOrder } from '../services/refund.service.js';

/** The payment side of the order saga: what this service does with each event it consumes. */
export function paymentEventHandlers(processor: CardProcessor, retryPolicy: RetryPolicy): EventHandlers {
  return {
    'order.payment_requested': async (em, event) => {
      await chargeOrder(em, processor, event, retryPolicy);
    },
    'order.cancelled': (em, event) => refundForOrder(em, processor, event),
    'order.failed': (em, event) => refundForOrder(em, processor, event),
  };
}
