import { EntitySchema } from '@mikro-orm/core';
import type { EventEnvelope } from './envelope.js';

/**
 * An event waiting to leave the service (transactional outbox): written in the same transaction as
 * the state change it describes, published to JetStream by the relay, then marked published.
 */
export class OutboxEvent {
  /** The event id, also JetStream's `Nats-Msg-Id`, so a re-publish after a crash is dropped as a duplicate. */
  id!: string;
  type!: string;
  aggregateId!: string;
  envelope!: EventEnvelope;
  createdAt: Date = new Date();
  publishedAt: Date | null = null;
}

export const OutboxEventSchema = new EntitySchema<OutboxEvent>({
  class: OutboxEvent,
  tableName: 'outbox_events',
  indexes: [{ name: 'outbox_events_unpublished_index', properties: ['createdAt'], expression: 'create index "outbox_events_unpublished_index" on "outbox_events" ("created_at", "id") where "published_at" is null' }],
  properties: {
    id: { type: 'uuid', primary: true },
    type: { type: 'string', length: 100 },
    aggregateId: { type: 'string', length: 100 },
    envelope: { type: 'json' },
    createdAt: { type: 'datetime', columnType: 'timestamptz(3)' },
    publishedAt: { type: 'datetime', columnType: 'timestamptz(3)', nullable: true, index: true },
  },
});
