import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { runSql } from '../../../../lib/db/sql.js';
import type { Logger } from '../../../../lib/logger.js';
import { isPermanentSmtpFailure, type Mailer } from '../email/mailer.js';
import type { Notification } from '../entities/notification.entity.js';
import { claimDueEmails } from './claim-due.js';
import { settleAll } from './polling-worker.js';
import { afterFailure, errorText } from './retry-schedule.js';

export interface EmailDispatchOptions {
  retryScheduleMs: readonly number[];
  smtpTimeoutMs: number;
  batchSize: number;
}

type Outcome = Pick<Notification, 'status' | 'nextAttemptAt' | 'attempts' | 'lastError' | 'sentAt' | 'updatedAt'>;

/**
 * Records an attempt's outcome on a claimed email, in one statement (every email sent costs one,
 * so with SQL rather than the entity API). Guarded by status, as a claim leaves the row PENDING.
 */
function record(em: EntityManager, id: string, o: Outcome) {
  return runSql(
    em,
    `update notifications set status = ?, next_attempt_at = ?, attempts = ?, last_error = ?, sent_at = coalesce(?, sent_at), updated_at = ?
      where id = ? and status = 'PENDING'`,
    [o.status, o.nextAttemptAt, o.attempts, o.lastError, o.sentAt, o.updatedAt, id],
    'run',
  );
}

/** Sends due emails and records each outcome: SENT, PENDING again at the next retry, or FAILED. */
export class EmailDispatch {
  /** Outcomes since start, for logs and tests. */
  readonly stats = { sent: 0, retried: 0, failed: 0 };
  private readonly leaseMs: number;

  constructor(
    private readonly orm: MikroORM,
    private readonly mailer: () => Mailer,
    private readonly opts: EmailDispatchOptions,
    private readonly logger: Logger,
  ) {
    // Connecting, greeting and sending are each bounded by the timeout, and a batch may queue for
    // the pool's connections; the lease outlasts all of that, so no live send is claimed twice.
    this.leaseMs = opts.smtpTimeoutMs * 6 + 5000;
  }

  async runBatch(): Promise<number> {
    const em = this.orm.em.fork() as EntityManager;
    const claimed = await claimDueEmails(em, this.opts.batchSize, this.leaseMs);
    await settleAll(claimed.map((n) => this.send(em, n)));
    return claimed.length;
  }

  private async send(em: EntityManager, n: Notification): Promise<void> {
    const body = (n.payload ?? {}) as { html?: string; text?: string };
    const attempts = n.attempts + 1;
    const now = new Date();
    try {
      await this.mailer().send({ id: n.id, to: n.recipient, subject: n.subject ?? '', html: body.html ?? '', text: body.text ?? '' });
    } catch (err) {
      const next = afterFailure(this.opts.retryScheduleMs, attempts, { permanent: isPermanentSmtpFailure(err), now });
      await record(em, n.id, { status: next.status, nextAttemptAt: next.nextAttemptAt, attempts, lastError: errorText(err), sentAt: null, updatedAt: now });
      this.stats[next.status === 'FAILED' ? 'failed' : 'retried']++;
      // The event and order ids join this line to the consumer's, which carries the request's correlation id.
      const log = { notificationId: n.id, eventId: n.eventId, orderId: n.orderId, template: n.template, attempts, err: errorText(err) };
      if (next.status === 'FAILED') this.logger.error(log, 'email failed for good');
      else this.logger.warn({ ...log, nextAttemptAt: next.nextAttemptAt }, 'email not sent; will retry');
      return;
    }
    await record(em, n.id, { status: 'SENT', nextAttemptAt: null, attempts, lastError: null, sentAt: now, updatedAt: now });
    this.stats.sent++;
  }
}
