import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from '../logger.js';
import type { EventBus } from './bus.js';
import type { EventEnvelope } from './envelope.js';

export interface OutboxRelayOptions {
  batchSize?: number;
  /**
   * How often to look for events that were not published at commit: another replica's after a
   * crash, or this one's after a failed publish.
   */
  pollIntervalMs?: number;
  /**
   * The poll leaves rows younger than this to the replica that committed them, which publishes
   * them itself; taking them too would only publish them twice (JetStream drops the copy).
   */
  pollMinAgeMs?: number;
  /**
   * Events published at commit are marked published in the outbox together, this long after the
   * first of them: marking is off the path to the consumer, and one statement for many events
   * saves a round trip per commit. A crash before the mark only re-publishes them (dropped).
   */
  markDelayMs?: number;
  /** Published rows older than this are deleted; the outbox is a queue, not an archive. */
  retentionMs?: number;
}

/** Events handed over at commit and not yet published; beyond this the poll takes over, in order. */
const MAX_HELD_BACK = 10_000;

/**
 * Publishes committed outbox events to JetStream, oldest first, two ways:
 * - at commit: `publishCommitted` gets the events a transaction just wrote, and the relay publishes
 *   them at once, with no transaction and no select, and marks them published a moment later,
 *   many commits' events in one statement;
 * - by polling: rows still unpublished (a crash between commit and publish, a failed publish,
 *   another replica's leftovers) are claimed with `FOR UPDATE SKIP LOCKED`, so replicas never
 *   publish the same batch at once.
 * Either way a crash after publishing but before marking re-publishes later with the same
 * `Nats-Msg-Id`, which JetStream drops. After a failed publish only the poll publishes until it
 * has caught up, so events still leave in commit order.
 */
export class OutboxRelay {
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private woken = false;
  /** Events committed here and handed over, oldest first, not yet published. */
  private committed: EventEnvelope[] = [];
  /** Ids of events published at commit, not yet marked published in the outbox. */
  private unmarked: string[] = [];
  private markAt = Number.POSITIVE_INFINITY;
  /** True until a poll finds nothing left behind: at start, after a failure, after too many were handed over. */
  private catchingUp = true;
  private nextPollAt = 0;
  private lastPurge = 0;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly pollMinAgeMs: number;
  private readonly markDelayMs: number;
  private readonly retentionMs: number;
  /** Events this relay has published (a test and metrics counter). */
  published = 0;

  constructor(
    private readonly orm: MikroORM,
    private readonly bus: EventBus,
    private readonly logger: Logger,
    opts: OutboxRelayOptions = {},
  ) {
    this.batchSize = opts.batchSize ?? 200;
    this.pollIntervalMs = opts.pollIntervalMs ?? 500;
    this.pollMinAgeMs = opts.pollMinAgeMs ?? 2000;
    this.markDelayMs = opts.markDelayMs ?? 100;
    this.retentionMs = opts.retentionMs ?? 3600_000;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.catchingUp = true;
    this.nextPollAt = 0;
    this.loop = this.run();
  }

  /**
   * Takes the events of a transaction that has just committed, to publish them now rather than
   * at the next poll. Events handed over while the relay is stopped stay for the poll after start.
   */
  publishCommitted(envelopes: readonly EventEnvelope[]): void {
    if (!this.running || envelopes.length === 0) return;
    if (this.committed.length + envelopes.length > MAX_HELD_BACK) {
      this.committed = [];
      this.catchingUp = true;
    } else {
      this.committed.push(...envelopes);
    }
    this.signal();
  }

  /** Publishes everything committed so far; used on shutdown and by tests. */
  async flush(): Promise<void> {
    while (this.committed.length) await this.publishHandedOver();
    while (this.unmarked.length) await this.markPublished();
    while ((await this.pollBatch(0)) > 0);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.signal();
    await this.loop;
    await this.flush().catch((err: unknown) => this.logger.warn({ err }, 'outbox flush on shutdown failed; the next start publishes the rest'));
  }

  /** Unpublished events and the age of the oldest, for metrics and readiness. */
  async backlog(): Promise<{ count: number; oldestAgeMs: number }> {
    const [row] = await this.orm.em.getConnection().execute<{ count: string; oldest: Date | null }[]>(
      'select count(*) as count, min(created_at) as oldest from outbox_events where published_at is null',
    );
    return { count: Number(row.count), oldestAgeMs: row.oldest ? Date.now() - new Date(row.oldest).getTime() : 0 };
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        const worked = await this.step();
        failures = 0;
        if (worked) continue;
      } catch (err) {
        failures++;
        this.catchingUp = true;
        this.nextPollAt = Date.now() + Math.min(5000, 100 * 2 ** failures);
        if (this.unmarked.length) this.markAt = this.nextPollAt;
        this.logger.warn({ err, failures }, 'outbox relay could not publish; retrying from the outbox table');
      }
      await this.sleep(Math.min(this.nextPollAt, this.markAt) - Date.now());
    }
  }

  /** Does the most urgent work there is, if any is due: publish, then mark, then poll. */
  private async step(): Promise<boolean> {
    if (this.committed.length && !this.catchingUp) {
      await this.publishHandedOver();
      return true;
    }
    if (this.unmarked.length && (Date.now() >= this.markAt || this.unmarked.length >= this.batchSize)) {
      await this.markPublished();
      return true;
    }
    if (Date.now() < this.nextPollAt) return false;
    const n = await this.pollBatch(this.catchingUp ? 0 : this.pollMinAgeMs);
    if (n < this.batchSize) {
      // Whatever the poll missed since it started is in `committed`; a copy of what it did
      // publish is dropped by JetStream as a duplicate.
      this.catchingUp = false;
      this.nextPollAt = Date.now() + this.pollIntervalMs;
      await this.purgeIfDue();
    }
    return true;
  }

  private signal(): void {
    this.woken = true;
    this.wake?.();
  }

  private sleep(ms: number): Promise<void> {
    if (this.woken || !this.running) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wake?.(), Math.max(0, ms));
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        this.woken = false;
        resolve();
      };
    });
  }

  /** Publishes the oldest handed-over events; `markPublished` records that later. */
  private async publishHandedOver(): Promise<void> {
    const batch = this.committed.splice(0, this.batchSize);
    // JetStream keeps the order of publishes on one connection even with acks awaited together.
    const results = await Promise.all(batch.map((e) => this.bus.publish(e)));
    this.published += results.filter((r) => !r.duplicate).length;
    if (this.unmarked.length === 0) this.markAt = Date.now() + this.markDelayMs;
    for (const e of batch) this.unmarked.push(e.id);
  }

  /** Marks events published at commit, in one statement outside any transaction. */
  private async markPublished(): Promise<void> {
    const ids = this.unmarked.splice(0, this.batchSize);
    if (this.unmarked.length === 0) this.markAt = Number.POSITIVE_INFINITY;
    try {
      await this.orm.em
        .getConnection()
        .execute('update outbox_events set published_at = now() where id = any(array[?]::uuid[]) and published_at is null', [ids]);
    } catch (err) {
      this.unmarked.unshift(...ids);
      throw err;
    }
  }

  private async pollBatch(minAgeMs: number): Promise<number> {
    const due = `published_at is null ${minAgeMs > 0 ? `and created_at < now() - interval '${Math.floor(minAgeMs)} milliseconds'` : ''}`;
    // Nearly every poll finds nothing (events leave at commit): asking first, outside a transaction,
    // is one statement where the claim below is three (begin, select, commit).
    const [probe] = await this.orm.em.getConnection().execute<{ found: boolean }[]>(`select exists (select 1 from outbox_events where ${due}) as found`);
    if (!probe.found) return 0;
    const em = this.orm.em.fork();
    return em.transactional(async (tx) => {
      const conn = tx.getConnection();
      const rows = await conn.execute<{ id: string; envelope: EventEnvelope }[]>(
        `select id, envelope from outbox_events where ${due}
         order by created_at, id limit ? for update skip locked`,
        [this.batchSize],
        'all',
        tx.getTransactionContext(),
      );
      if (rows.length === 0) return 0;
      const results = await Promise.all(rows.map((r) => this.bus.publish(r.envelope)));
      await conn.execute('update outbox_events set published_at = now() where id = any(array[?]::uuid[])', [rows.map((r) => r.id)], 'run', tx.getTransactionContext());
      this.published += results.filter((r) => !r.duplicate).length;
      return rows.length;
    });
  }

  private async purgeIfDue(): Promise<void> {
    if (Date.now() - this.lastPurge < 60_000) return;
    this.lastPurge = Date.now();
    await this.orm.em
      .getConnection()
      .execute(`delete from outbox_events where published_at < now() - (? || ' milliseconds')::interval`, [String(this.retentionMs)]);
  }
}
