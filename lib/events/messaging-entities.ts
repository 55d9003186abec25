import { InboxEventSchema } from './inbox-event.entity.js';
import { OutboxEventSchema } from './outbox-event.entity.js';

/** The outbox and inbox tables; every service lists them with its own entities and migrates them. */
export const messagingEntities = [OutboxEventSchema, InboxEventSchema];
