import { EntitySchema } from '@mikro-orm/core';

/**
 * An event a consumer has handled, written in the same transaction as the handler's effects:
 * a redelivery finds its row and has no second effect.
 */
export class InboxEvent {
  consumer!: string;
  eventId!: string;
  type!: string;
  handledAt: Date = new Date();
}

export const InboxEventSchema = new EntitySchema<InboxEvent>({
  class: InboxEvent,
  tableName: 'inbox_events',
  properties: {
    consumer: { type: 'string', length: 100, primary: true },
    eventId: { type: 'uuid', primary: true },
    type: { type: 'string', length: 100 },
    handledAt: { type: 'datetime', columnType: 'timestamptz(3)' },
  },
});
