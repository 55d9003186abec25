import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { ConsumerMessages, JsMsg } from 'nats';
import { SpanKind } from '@opentelemetry/api';
import type { SqlStatement } from '../db/sql.js';
import { StepTx } from '../db/step-tx.js';
import type { Logger } from '../logger.js';
import { extractTraceContext, inSpan, markActiveSpanFailed } from '../observability/tracing.js';
import type { EventBus } from './bus.js';
import { EVENTS, isEventType } from './contracts/index.js';
import { EnvelopeSchema, type EventEnvelope } from './envelope.js';
import type { EventHandlers, EventSteps } from './handlers.js';

/** A durable subscription: one subject of one stream, handled inside a transaction with the inbox. */
export type Subscription = SubscriptionBase &
  (
    | { handle(em: EntityManager, envelope: EventEnvelope, meta: MessageMeta): Promise<void>; step?: never }
    | { step(tx: StepTx, envelope: EventEnvelope, meta: MessageMeta): Promise<void>; handle?: never }
  );

interface SubscriptionBase {
  durable: string;
  stream: string;
  subject: string;
  /** Validates the raw envelope; throwing sends the message to the dead-letter subject at once. */
  validate(envelope: EventEnvelope): void;
  /**
   * For subscriptions to the dead-letter stream itself: a message that cannot be handled is logged
   * and dropped (invalid) or retried at the longest backoff, never dead-lettered again in a loop.
   */
  isDeadLetterConsumer?: boolean;
}

/** The row that marks an event handled by a consumer; its key refuses the same event twice. */
function inboxRow(sub: SubscriptionBase, envelope: EventEnvelope): SqlStatement {
  return { sql: 'insert into inbox_events (consumer, event_id, type, handled_at) values (?, ?, ?, now())', params: [sub.durable, envelope.id, envelope.type] };
}

/** What the message says about itself beyond the envelope. */
export interface MessageMeta {
  /** On a dead letter: the durable consumer that gave up on it. */
  deadLetterConsumer?: string;
}

export interface ConsumerOptions {
  /** Deliveries after which a failing message is dead-lettered instead of retried. */
  maxDeliveries?: number;
  /** Delay before redelivery after the n-th failure (the last one repeats). */
  backoffMs?: number[];
  /** Messages handled at once per subscription. */
  concurrency?: number;
  ackWaitMs?: number;
}

export interface ConsumerStats {
  handled: number;
  duplicates: number;
  retried: number;
  deadLettered: number;
}

/** The subscriptions for a service's event handlers and steps: one durable consumer per event type. */
export function subscriptionsFor(bus: EventBus, service: string, handlers: EventHandlers, steps: EventSteps = {}): Subscription[] {
  const both = Object.keys(handlers).filter((type) => type in steps);
  if (both.length) throw new Error(`${both.join(', ')}: an event type has either a handler or a step, not both`);
  const subscription = (type: string): SubscriptionBase => ({
    durable: `${service}_${type.replace(/\./g, '_')}`,
    stream: bus.eventsStream,
    subject: bus.subject(type),
    validate(envelope) {
      if (envelope.type !== type || !isEventType(type)) throw new Error(`expected a ${type} event, got ${envelope.type}`);
      const parsed = EVENTS[type].schema.safeParse(envelope.data);
      if (!parsed.success) throw new Error(`invalid ${type} data: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    },
  });
  return [
    ...Object.entries(handlers).map(([type, handle]): Subscription => ({ ...subscription(type), handle: handle as Extract<Subscription, { handle: unknown }>['handle'] })),
    ...Object.entries(steps).map(([type, step]): Subscription => ({ ...subscription(type), step: step as Extract<Subscription, { step: unknown }>['step'] })),
  ];
}

/**
 * Runs durable JetStream consumers. Each message is validated, then handled in one database
 * transaction together with an inbox row (consumer, event id), and acked only after that commits:
 * a redelivery finds the inbox row and has no second effect. A failure is retried with backoff;
 * after `maxDeliveries`, or at once when the message is malformed, it goes to the dead-letter subject.
 */
export class EventConsumers {
  readonly stats: ConsumerStats = { handled: 0, duplicates: 0, retried: 0, deadLettered: 0 };
  private readonly streams: ConsumerMessages[] = [];
  private readonly loops: Promise<void>[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly maxDeliveries: number;
  private readonly backoffMs: number[];
  private readonly concurrency: number;
  private readonly ackWaitMs: number;

  constructor(
    private readonly bus: EventBus,
    private readonly orm: MikroORM,
    private readonly subscriptions: Subscription[],
    private readonly logger: Logger,
    opts: ConsumerOptions = {},
  ) {
    this.maxDeliveries = opts.maxDeliveries ?? 5;
    this.backoffMs = opts.backoffMs ?? [200, 1000, 5000, 15000];
    this.concurrency = opts.concurrency ?? 16;
    this.ackWaitMs = opts.ackWaitMs ?? 30_000;
  }

  async start(): Promise<void> {
    for (const sub of this.subscriptions) {
      await this.bus.ensureConsumer(sub.stream, sub.durable, sub.subject, { ackWaitMs: this.ackWaitMs, maxAckPending: this.concurrency * 4 });
      const consumer = await this.bus.js.consumers.get(sub.stream, sub.durable);
      const messages = await consumer.consume({ max_messages: this.concurrency });
      this.streams.push(messages);
      this.loops.push(this.consumeLoop(sub, messages));
    }
  }

  /** Each durable consumer's backlog as JetStream counts it, for metrics: one request per consumer. */
  async lag(): Promise<{ consumer: string; pending: number; ackPending: number }[]> {
    return Promise.all(
      this.subscriptions.map(async (sub) => {
        const info = await this.bus.jsm.consumers.info(sub.stream, sub.durable);
        return { consumer: sub.durable, pending: info.num_pending, ackPending: info.num_ack_pending };
      }),
    );
  }

  /** Stops pulling, then waits for the messages in hand to finish (and be acked). */
  async stop(): Promise<void> {
    await Promise.all(this.streams.map((s) => s.close().catch(() => undefined)));
    await Promise.all(this.loops);
    await Promise.all(this.inFlight);
  }

  private async consumeLoop(sub: Subscription, messages: ConsumerMessages): Promise<void> {
    const mine = new Set<Promise<void>>();
    for await (const msg of messages) {
      const job = this.process(sub, msg).finally(() => {
        mine.delete(job);
        this.inFlight.delete(job);
      });
      mine.add(job);
      this.inFlight.add(job);
      if (mine.size >= this.concurrency) await Promise.race(mine);
    }
  }

  private async process(sub: Subscription, msg: JsMsg): Promise<void> {
    const deliveries = msg.info.deliveryCount;
    let envelope: EventEnvelope;
    try {
      envelope = EnvelopeSchema.parse(JSON.parse(msg.string())) as EventEnvelope;
      sub.validate(envelope);
    } catch (err) {
      if (sub.isDeadLetterConsumer) {
        this.logger.warn({ consumer: sub.durable, err }, 'unreadable dead letter skipped');
        msg.ack();
        return;
      }
      // Malformed: retrying cannot help, and handling half of it would be worse.
      await this.deadLetter(sub, msg, `rejected: ${(err as Error).message}`, deliveries);
      return;
    }

    // The header is what other NATS tooling sees; the envelope's copy covers messages published without it.
    const parent = extractTraceContext({ traceparent: msg.headers?.get('traceparent') || envelope.traceparent });
    const attributes = {
      'messaging.system': 'nats',
      'messaging.consumer.group.name': sub.durable,
      'messaging.message.id': envelope.id,
      'messaging.delivery_count': deliveries,
    };
    await inSpan(envelope.type, { kind: SpanKind.CONSUMER, parent, attributes }, () => this.settle(sub, msg, envelope, deliveries));
  }

  /** Handles a valid message, then acks it, or naks it for a retry, or dead-letters it. */
  private async settle(sub: Subscription, msg: JsMsg, envelope: EventEnvelope, deliveries: number): Promise<void> {
    // Plain fields rather than a child logger: building one per message costs even when nothing is logged.
    const about = { consumer: sub.durable, eventId: envelope.id, eventType: envelope.type, correlationId: envelope.correlationId, deliveries };
    try {
      const meta = { deadLetterConsumer: msg.headers?.get('dead-letter-consumer') || undefined };
      const fresh = sub.step ? await this.stepOnce(sub, sub.step, envelope, meta) : await this.handleOnce(sub, sub.handle, envelope, meta);
      msg.ack();
      if (fresh) {
        this.stats.handled++;
        this.logger.debug(about, 'event handled');
      } else {
        this.stats.duplicates++;
        this.logger.debug(about, 'duplicate event ignored');
      }
    } catch (err) {
      markActiveSpanFailed(err);
      if (deliveries >= this.maxDeliveries && !sub.isDeadLetterConsumer) {
        this.logger.error({ ...about, err }, 'event failed on its last delivery; dead-lettering it');
        await this.deadLetter(sub, msg, `failed ${deliveries} times: ${(err as Error).message}`, deliveries, envelope.id);
        return;
      }
      this.stats.retried++;
      const delay = this.backoffMs[Math.min(deliveries - 1, this.backoffMs.length - 1)];
      this.logger.warn({ ...about, err, retryInMs: delay }, 'event handler failed; will retry');
      msg.nak(delay);
    }
  }

  /**
   * The handler and the inbox row in one transaction, committed (with a flush) before the caller
   * acks; false when the inbox already had the event. Begin and commit on one fork: `transactional`
   * would fork again, copy the event manager and merge the results into a parent thrown away next.
   */
  private async handleOnce(sub: Subscription, handle: NonNullable<Subscription['handle']>, envelope: EventEnvelope, meta: MessageMeta): Promise<boolean> {
    const em = this.orm.em.fork() as EntityManager;
    await em.begin();
    try {
      const inbox = inboxRow(sub, envelope);
      const rows = await em
        .getConnection()
        .execute<{ event_id: string }[]>(`${inbox.sql} on conflict do nothing returning event_id`, inbox.params, 'all', em.getTransactionContext());
      if (rows.length === 0) {
        await em.rollback();
        return false;
      }
      await handle(em, envelope, meta);
      await em.commit();
      return true;
    } catch (err) {
      if (em.isInTransaction()) await em.rollback().catch(() => undefined);
      throw err;
    }
  }

  /**
   * A step and its inbox row in one step transaction: the row is a plain insert sent with the
   * step's first statement, so a redelivery fails on the inbox's key there, before the step has
   * read anything, and is rolled back as a duplicate (false). A step reads under its locks and
   * writes with the commit: two round trips where `handleOnce` takes five or more.
   */
  private async stepOnce(sub: Subscription, step: NonNullable<Subscription['step']>, envelope: EventEnvelope, meta: MessageMeta): Promise<boolean> {
    try {
      await StepTx.run(this.orm, async (tx) => {
        tx.queue(inboxRow(sub, envelope));
        await step(tx, envelope, meta);
      });
      return true;
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException && (err as { constraint?: string }).constraint === 'inbox_events_pkey') return false;
      throw err;
    }
  }

  private async deadLetter(sub: Subscription, msg: JsMsg, reason: string, deliveries: number, eventId?: string): Promise<void> {
    try {
      const type = msg.headers?.get('event-type') || sub.subject.split('.').slice(2).join('.');
      await this.bus.publishDeadLetter(type, msg.data, { consumer: sub.durable, reason, deliveries, eventId });
      msg.term();
      this.stats.deadLettered++;
      this.logger.error({ consumer: sub.durable, reason, deliveries }, 'message dead-lettered');
    } catch (err) {
      // Could not park it: leave it to be redelivered rather than lose it.
      this.logger.error({ err }, 'dead-lettering failed; the message will be redelivered');
      msg.nak(this.backoffMs.at(-1));
    }
  }
}
