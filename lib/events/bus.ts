import {
  AckPolicy,
  connect,
  DeliverPolicy,
  DiscardPolicy,
  headers as natsHeaders,
  nanos,
  RetentionPolicy,
  StorageType,
  type JetStreamClient,
  type JetStreamManager,
  type NatsConnection,
} from 'nats';
import type { Logger } from '../logger.js';
import type { EventEnvelope } from './envelope.js';

export interface EventBusOptions {
  url: string;
  /**
   * Subjects are `<prefix>.events.<type>` and `<prefix>.dlq.<type>`; streams `<PREFIX>_EVENTS` and
   * `<PREFIX>_DLQ`. Tests give each run its own prefix so runs never see each other's events.
   */
  prefix: string;
  /** The connection's name, as NATS monitoring shows it. */
  name: string;
  logger: Logger;
}

/** How long JetStream remembers a message id to drop a re-published duplicate (outbox relay after a crash). */
const DUPLICATE_WINDOW_MS = 10 * 60_000;

/**
 * The connection to NATS JetStream that every service shares: stream setup, publishing with
 * `Nats-Msg-Id` de-duplication, and durable consumers. Reconnects forever with backoff.
 */
export class EventBus {
  private constructor(
    readonly nc: NatsConnection,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
    readonly prefix: string,
    private readonly logger: Logger,
  ) {}

  static async connect(opts: EventBusOptions): Promise<EventBus> {
    if (!/^[A-Za-z0-9_-]+$/.test(opts.prefix)) throw new Error(`EVENTS_PREFIX "${opts.prefix}" may hold only letters, digits, _ and -.`);
    const nc = await connect({
      servers: opts.url,
      name: opts.name,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      reconnectJitter: 250,
      waitOnFirstConnect: true,
      timeout: 5000,
      // Otherwise every request (each JetStream publish is one) captures two stack traces up front,
      // in case it fails: a few percent of the CPU an order costs. Errors still say what failed.
      noAsyncTraces: true,
    });
    const logger = opts.logger.child({ component: 'nats' });
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === 'disconnect' || s.type === 'reconnect' || s.type === 'error') logger.warn({ status: s.type, data: String(s.data) }, 'nats connection status');
      }
    })();
    const bus = new EventBus(nc, nc.jetstream(), await nc.jetstreamManager(), opts.prefix, logger);
    await bus.ensureStreams();
    return bus;
  }

  get eventsStream(): string {
    return `${this.prefix.toUpperCase()}_EVENTS`;
  }

  get deadLetterStream(): string {
    return `${this.prefix.toUpperCase()}_DLQ`;
  }

  subject(type: string): string {
    return `${this.prefix}.events.${type}`;
  }

  deadLetterSubject(type: string): string {
    return `${this.prefix}.dlq.${type}`;
  }

  /** Creates the two streams, or updates them to this configuration; safe to run from every replica at once. */
  async ensureStreams(): Promise<void> {
    const streams = [
      { name: this.eventsStream, subjects: [`${this.prefix}.events.>`], max_age: nanos(7 * 24 * 3600_000) },
      { name: this.deadLetterStream, subjects: [`${this.prefix}.dlq.>`], max_age: nanos(30 * 24 * 3600_000) },
    ];
    for (const s of streams) {
      const config = {
        ...s,
        retention: RetentionPolicy.Limits,
        storage: StorageType.File,
        discard: DiscardPolicy.Old,
        duplicate_window: nanos(DUPLICATE_WINDOW_MS),
      };
      try {
        await this.jsm.streams.info(s.name);
        await this.jsm.streams.update(s.name, config);
      } catch (err) {
        if (!String(err).includes('stream not found')) throw err;
        try {
          await this.jsm.streams.add(config);
        } catch (addErr) {
          // Another replica created it between our lookup and our add.
          if (!String(addErr).includes('already in use')) throw addErr;
        }
      }
    }
  }

  /** Publishes an event and waits for JetStream to store it; a duplicate id is dropped by the server. */
  async publish(envelope: EventEnvelope, extraHeaders: Record<string, string> = {}): Promise<{ duplicate: boolean }> {
    const h = natsHeaders();
    h.set('event-type', envelope.type);
    h.set('correlation-id', envelope.correlationId);
    if (envelope.traceparent) h.set('traceparent', envelope.traceparent);
    for (const [k, v] of Object.entries(extraHeaders)) h.set(k, v);
    const ack = await this.js.publish(this.subject(envelope.type), JSON.stringify(envelope), { msgID: envelope.id, headers: h, timeout: 5000 });
    return { duplicate: ack.duplicate };
  }

  /** Parks a message that cannot be handled, with why, for operators (and the order service's compensation). */
  async publishDeadLetter(type: string, body: Uint8Array | string, info: { consumer: string; reason: string; deliveries: number; eventId?: string }): Promise<void> {
    const h = natsHeaders();
    h.set('dead-letter-consumer', info.consumer);
    // A header is one line: a reason spanning several (an SQL error quoting its statement) would
    // make NATS refuse the dead letter, and the poison message would be redelivered for ever.
    h.set('dead-letter-reason', oneLine(info.reason).slice(0, 1000));
    h.set('dead-letter-deliveries', String(info.deliveries));
    h.set('event-type', type);
    await this.js.publish(this.deadLetterSubject(type || 'unknown'), body, {
      headers: h,
      ...(info.eventId ? { msgID: `${info.consumer}:${info.eventId}` } : {}),
      timeout: 5000,
    });
  }

  /** A durable pull consumer of one subject, created or updated idempotently. */
  async ensureConsumer(stream: string, durable: string, filterSubject: string, opts: { ackWaitMs: number; maxAckPending: number }): Promise<void> {
    const config = {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: filterSubject,
      ack_wait: nanos(opts.ackWaitMs),
      max_ack_pending: opts.maxAckPending,
      // Dead-lettering is decided by the consumer runner from the delivery count; this is a backstop.
      max_deliver: -1,
    };
    try {
      await this.jsm.consumers.info(stream, durable);
      await this.jsm.consumers.update(stream, durable, config);
    } catch (err) {
      if (!String(err).includes('consumer not found')) throw err;
      try {
        await this.jsm.consumers.add(stream, config);
      } catch (addErr) {
        if (!String(addErr).includes('already')) throw addErr;
      }
    }
  }

  /** Round trip to the server: the readiness check. */
  async ping(): Promise<void> {
    if (this.nc.isClosed()) throw new Error('NATS connection is closed');
    await this.nc.flush();
  }

  /** Deletes this prefix's streams (tests clean up with it). */
  async deleteStreams(): Promise<void> {
    for (const name of [this.eventsStream, this.deadLetterStream]) {
      await this.jsm.streams.delete(name).catch(() => false);
    }
  }

  async close(): Promise<void> {
    if (this.nc.isClosed()) return;
    await this.nc.drain().catch((err: unknown) => this.logger.warn({ err }, 'nats drain failed'));
  }
}

/** Whitespace runs (line breaks included) as single spaces, so the text fits in a NATS header. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
