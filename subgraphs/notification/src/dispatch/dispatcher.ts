import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from '../../../../lib/logger.js';
import { Mailer, type MailerOptions } from '../email/mailer.js';
import { EmailDispatch } from './email-dispatch.js';
import { PollingWorker } from './polling-worker.js';
import { WebhookDispatch } from './webhook-dispatch.js';

export interface DispatcherOptions extends MailerOptions {
  emailRetryScheduleMs: readonly number[];
  webhookRetryScheduleMs: readonly number[];
  webhookTimeoutMs: number;
  webhookAllowPrivateUrls: boolean;
  dispatchIntervalMs: number;
}

/** Emails at once: as many as the mailer's pool has connections, twice over. */
const EMAIL_BATCH = 10;
const WEBHOOK_BATCH = 20;

/**
 * The worker that sends what the event handlers queued, outside any event's transaction: emails and
 * webhooks in two loops of their own, so a slow endpoint never holds up the mail. Safe to run on
 * every replica at once (see `claimDue`).
 */
export class NotificationDispatcher {
  readonly email: EmailDispatch;
  readonly webhooks: WebhookDispatch;
  private mailer: Mailer | undefined;
  private readonly workers: PollingWorker[];

  constructor(orm: MikroORM, opts: DispatcherOptions, logger: Logger) {
    const log = logger.child({ component: 'dispatcher' });
    this.email = new EmailDispatch(
      orm,
      () => (this.mailer ??= new Mailer(opts)),
      { retryScheduleMs: opts.emailRetryScheduleMs, smtpTimeoutMs: opts.smtpTimeoutMs, batchSize: EMAIL_BATCH },
      log.child({ channel: 'EMAIL' }),
    );
    this.webhooks = new WebhookDispatch(
      orm,
      { retryScheduleMs: opts.webhookRetryScheduleMs, timeoutMs: opts.webhookTimeoutMs, allowPrivateAddresses: opts.webhookAllowPrivateUrls, batchSize: WEBHOOK_BATCH },
      log.child({ channel: 'WEBHOOK' }),
    );
    this.workers = [
      new PollingWorker({ runBatch: () => this.email.runBatch(), batchSize: EMAIL_BATCH, intervalMs: opts.dispatchIntervalMs, logger: log }),
      new PollingWorker({ runBatch: () => this.webhooks.runBatch(), batchSize: WEBHOOK_BATCH, intervalMs: opts.dispatchIntervalMs, logger: log }),
    ];
  }

  async start(): Promise<void> {
    for (const w of this.workers) w.start();
  }

  /** Finishes the sends in hand, then closes the SMTP connections. */
  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop()));
    this.mailer?.close();
    this.mailer = undefined;
  }
}
