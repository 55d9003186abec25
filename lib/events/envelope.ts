import { z } from 'zod';

/**
 * Every event on the bus travels in this envelope (DESIGN.md). `correlationId` is shared by all
 * events of one business flow (an order's saga); `causationId` is the id of the event or request
 * that caused this one, so a flow can be replayed as a tree.
 */
export const EnvelopeSchema = z.object({
  id: z.string().uuid(),
  type: z.string().min(1),
  occurredAt: z.string().datetime({ offset: true }),
  aggregateId: z.string().min(1),
  correlationId: z.string().min(1),
  causationId: z.string().min(1).nullable(),
  data: z.unknown(),
  /** W3C trace context of the span that recorded the event; absent when nothing was being traced. */
  traceparent: z.string().min(1).optional(),
});

export interface EventEnvelope<D = unknown> {
  id: string;
  type: string;
  occurredAt: string;
  aggregateId: string;
  correlationId: string;
  causationId: string | null;
  data: D;
  traceparent?: string;
}
