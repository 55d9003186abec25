import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { traceparentOf } from '../observability/tracing.js';
import { EVENTS, type EventData, type EventType } from './contracts/index.js';
import type { EventEnvelope } from './envelope.js';
import { OutboxEvent } from './outbox-event.entity.js';

/** What caused an event: another event (a saga step) or a client request (by its request id). */
export type EventCause = EventEnvelope | { requestId: string };

/**
 * Adds an event to the outbox in `em`'s unit of work: it commits (or not) with the state change
 * flushed alongside it. The data is validated against the event's contract here, so a malformed
 * event never leaves the service.
 */
export function recordEvent<T extends EventType>(
  em: EntityManager,
  type: T,
  data: EventData<T>,
  meta: { aggregateId: string; cause?: EventCause },
): EventEnvelope<EventData<T>> {
  const parsed = EVENTS[type].schema.safeParse(data);
  if (!parsed.success) {
    throw new Error(`Refusing to publish an invalid ${type} event: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const id = randomUUID();
  const cause = meta.cause;
  // Captured now, while the request's or consumer's span is active: the event is published later,
  // from a commit hook or the relay, where that span is long gone.
  const traceparent = traceparentOf();
  const envelope: EventEnvelope<EventData<T>> = {
    id,
    type,
    occurredAt: new Date().toISOString(),
    aggregateId: meta.aggregateId,
    correlationId: !cause ? id : 'requestId' in cause ? cause.requestId : cause.correlationId,
    causationId: !cause ? null : 'requestId' in cause ? cause.requestId : cause.id,
    data: parsed.data as EventData<T>,
    ...(traceparent ? { traceparent } : {}),
  };
  em.persist(Object.assign(new OutboxEvent(), { id, type, aggregateId: meta.aggregateId, envelope }));
  return envelope;
}
