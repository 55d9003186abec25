import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { oneStatement, valuesList, writeSql, type SqlStatement, type SqlTarget } from '../db/sql.js';
import { traceparentOf } from '../observability/tracing.js';
import { EVENTS, type EventData, type EventType } from './contracts/index.js';
import type { EventEnvelope } from './envelope.js';
import { OutboxEvent } from './outbox-event.entity.js';
import { handOverOnCommit } from './publish-on-commit.js';

/** What caused an event: another event (a saga step) or a client request (by its request id). */
export type EventCause = EventEnvelope | { requestId: string };

/**
 * Builds an event's envelope. The data is validated against the event's contract here, so a
 * malformed event never leaves the service.
 */
export function newEvent<T extends EventType>(
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
  return {
    id,
    type,
    occurredAt: new Date().toISOString(),
    aggregateId: meta.aggregateId,
    correlationId: !cause ? id : 'requestId' in cause ? cause.requestId : cause.correlationId,
    causationId: !cause ? null : 'requestId' in cause ? cause.requestId : cause.id,
    data: parsed.data as EventData<T>,
    ...(traceparent ? { traceparent } : {}),
  };
}

/**
 * Adds an event to the outbox in `em`'s unit of work: it commits (or not) with the state change
 * flushed alongside it.
 */
export function recordEvent<T extends EventType>(
  em: EntityManager,
  type: T,
  data: EventData<T>,
  meta: { aggregateId: string; cause?: EventCause },
): EventEnvelope<EventData<T>> {
  const envelope = newEvent(type, data, meta);
  em.persist(Object.assign(new OutboxEvent(), { id: envelope.id, type, aggregateId: meta.aggregateId, envelope }));
  return envelope;
}

/**
 * Writes events to the outbox with SQL rather than through the unit of work, for steps that write
 * their state with SQL too: one `insert`, and `alongside` (the step's own inserts and updates) as
 * data-modifying CTEs of that same statement, so the state change and its events are one round
 * trip and commit together or not at all. In a transaction they are handed to the relay when it
 * commits; outside one the statement commits on its own and they are handed over at once. A step
 * transaction sends the statement with its commit.
 */
export async function writeEvents(to: SqlTarget, events: readonly EventEnvelope[], alongside: readonly SqlStatement[] = []): Promise<void> {
  if (events.length === 0) throw new Error('writeEvents needs at least one event');
  const rows = valuesList(events.map((e) => [e.id, e.type, e.aggregateId, e, new Date(e.occurredAt)]));
  const outbox = { sql: `insert into outbox_events (id, type, aggregate_id, envelope, created_at) values ${rows.sql}`, params: rows.params };
  await writeSql(to, oneStatement([...alongside, outbox]));
  handOverOnCommit(to, events);
}
