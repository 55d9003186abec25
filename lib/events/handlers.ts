import type { EntityManager } from '@mikro-orm/postgresql';
import type { StepTx } from '../db/step-tx.js';
import type { EventData, EventType } from './contracts/index.js';
import type { EventEnvelope } from './envelope.js';

/**
 * Handles one event inside the consumer's transaction: `em` is already in that transaction, and
 * whatever the handler flushes (state and outbox events) commits with the inbox row that marks
 * the event handled. Throwing rolls all of it back and the event is redelivered later.
 */
export type EventHandler<T extends EventType> = (em: EntityManager, event: EventEnvelope<EventData<T>>) => Promise<void>;

export type EventHandlers = { [T in EventType]?: EventHandler<T> };

/**
 * A saga step that speaks SQL only: like an `EventHandler`, but in a `StepTx`, which sends the
 * inbox row with the step's first statement and its last writes with COMMIT. For the steps every
 * order runs; a handler that needs the entity API stays an `EventHandler`.
 */
export type EventStep<T extends EventType> = (tx: StepTx, event: EventEnvelope<EventData<T>>) => Promise<void>;

export type EventSteps = { [T in EventType]?: EventStep<T> };
