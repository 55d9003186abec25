import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from '../logger.js';
import type { EventBus } from './bus.js';
import type { EventEnvelope } from './envelope.js';

export interface OutboxRelayOptions {
  batchSize?: number;
  /** How often to look for events that no kick announced (another replica's, or left by a crash). */
  pollIntervalMs?: number;
  /** Published rows older than this are deleted; the outbox is a queue, not an archive. */
  retentionMs?: number;
}

/**
 * Publishes committed outbox events to JetStream, oldest first. Safe with many replicas at once:
 * each batch is claimed with `FOR UPDATE SKIP LOCKED`. A crash after publishing but before marking
 * the rows published re-publishes them later with the same `Nats-Msg-Id`, which JetStream drops.
 */
export class OutboxRelay {
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private kicked = false;
  private lastPurge = 0;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
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
    this.pollIntervalMs = opts.pollIntervalMs ?? 250;
    this.retentionMs = opts.retentionMs ?? 3600_000;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Publish now rather than at the next poll: called after a transaction that wrote outbox rows commits. */
  kick(): void {
    this.kicked = true;
    this.wake?.();
  }

  /** Publishes everything committed so far; used on shutdown and by tests. */
  async flush(): Promise<void> {
    while ((await this.publishBatch()) > 0);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
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
        const n = await this.publishBatch();
        failures = 0;
        if (n === this.batchSize) continue;
        await this.purgeIfDue();
      } catch (err) {
        failures++;
        this.logger.warn({ err, failures }, 'outbox relay could not publish; retrying');
      }
      await this.sleep(failures ? Math.min(5000, 100 * 2 ** failures) : this.pollIntervalMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.kicked) {
      this.kicked = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        this.kicked = false;
        done();
      };
    });
  }

  private async publishBatch(): Promise<number> {
    const em = this.orm.em.fork();
    return em.transactional(async (tx) => {
      const conn = tx.getConnection();
      const rows = await conn.execute<{ id: string; envelope: EventEnvelope }[]>(
        `select id, envelope from outbox_events where published_at is null
         order by created_at, id limit ? for update skip locked`,
        [this.batchSize],
        'all',
        tx.getTransactionContext(),
      );
      if (rows.length === 0) return 0;
      // JetStream keeps the order of publishes on one connection even with acks awaited together.
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
