import type { EventSteps } from '../../../../lib/events/handlers.js';
import { commitOrder, releaseOrder, reserveOrder } from '../services/reservation.service.js';

/** The inventory steps of the order saga, by the event that triggers each. */
export const inventorySteps: EventSteps = {
  'order.placed': reserveOrder,
  'order.paid': commitOrder,
  'order.failed': releaseOrder,
  'order.cancelled': releaseOrder,
};
