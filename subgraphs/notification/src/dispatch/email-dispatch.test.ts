import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { EntityManager } from '@mikro-orm/postgresql';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { initOrm, type Orm } from '../../../../lib/db/orm.js';
import { createLogger } from '../../../../lib/logger.js';
import { useTestDatabase } from '../../../../lib/testing/test-orm.js';
import { startSmtpCatcher, type SmtpCatcher } from '../../../../scripts/start/smtp-catcher.js';
import { ormOptions } from '../db.js';
import { Mailer } from '../email/mailer.js';
import { Notification } from '../entities/notification.entity.js';
import { claimDueEmails } from './claim-due.js';
import { EmailDispatch } from './email-dispatch.js';

const logger = createLogger('test', 'silent');
const db = useTestDatabase('notification_dispatch', ormOptions);
/** A second connection pool on the same database: another replica of the service. */
let replica: Orm;
let catcher: SmtpCatcher;

const em = () => db.orm.em.fork() as EntityManager;

async function queueEmails(count: number, recipient = (i: number) => `r${i}@example.test`): Promise<Notification[]> {
  const rows = Array.from({ length: count }, (_, i) =>
    Object.assign(new Notification(), {
      channel: 'EMAIL',
      template: 'welcome',
      recipient: recipient(i),
      subject: `Message ${i}`,
      eventId: randomUUID(),
      payload: { html: `<p>${i}</p>`, text: `${i}` },
      nextAttemptAt: new Date(),
    }),
  );
  await em().persistAndFlush(rows);
  return rows;
}

function dispatch(orm: Orm, smtpUrl: string, retryScheduleMs = [10, 10]): EmailDispatch {
  const mailer = new Mailer({ smtpUrl, mailFrom: 'Shop <shop@example.test>', smtpTimeoutMs: 2000 });
  return new EmailDispatch(orm.orm, () => mailer, { retryScheduleMs, smtpTimeoutMs: 2000, batchSize: 10 }, logger);
}

/** Runs batches until nothing is due (waiting out short retry delays). */
async function drain(...dispatches: EmailDispatch[]): Promise<void> {
  for (let idle = 0; idle < 5; ) {
    const taken = (await Promise.all(dispatches.map((d) => d.runBatch()))).reduce((a, b) => a + b, 0);
    idle = taken === 0 ? idle + 1 : 0;
    await new Promise((r) => setTimeout(r, 15));
  }
}

beforeAll(async () => {
  replica = await initOrm(ormOptions({ databaseUrl: db.url, createDatabase: false }));
  catcher = await startSmtpCatcher({ smtpPort: 0, httpPort: 0 });
});

afterAll(async () => {
  await catcher?.stop();
  await replica?.orm.close();
});

beforeEach(async () => {
  await em().nativeDelete(Notification, {});
});

describe('email dispatch', () => {
  it('two replicas working at once send every due email exactly once', async () => {
    const rows = await queueEmails(60);
    const [a, b] = [dispatch(db, catcher.smtpUrl), dispatch(replica, catcher.smtpUrl)];
    await drain(a, b);

    const ids = new Set(rows.map((n) => `<${n.id}@example.test>`));
    const caught = catcher.messages.filter((m) => ids.has(m.messageId!));
    expect(caught).toHaveLength(60);
    expect(new Set(caught.map((m) => m.messageId)).size).toBe(60);
    expect(a.stats.sent).toBeGreaterThan(0);
    expect(b.stats.sent).toBeGreaterThan(0);
    expect(a.stats.sent + b.stats.sent).toBe(60);
    const stored = await em().find(Notification, {});
    expect(stored.every((n) => n.status === 'SENT' && n.attempts === 1 && n.sentAt && n.nextAttemptAt === null)).toBe(true);
  });

  it('does not claim a row again while its lease runs, and does once it has run out', async () => {
    await queueEmails(3);
    expect(await claimDueEmails(em(), 10, 300)).toHaveLength(3);
    expect(await claimDueEmails(em(), 10, 300)).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 350));
    expect(await claimDueEmails(em(), 10, 300)).toHaveLength(3);
  });

  it('with SMTP unreachable, retries on the schedule and marks the email FAILED after the last attempt', async () => {
    const [n] = await queueEmails(1);
    const down = dispatch(db, 'smtp://127.0.0.1:1', [10, 10, 10]);
    expect(await down.runBatch()).toBe(1);
    const waiting = await em().findOneOrFail(Notification, n.id);
    expect(waiting).toMatchObject({ status: 'PENDING', attempts: 1, lastError: expect.stringContaining('ECONNREFUSED') });
    expect(waiting.nextAttemptAt!.getTime()).toBeGreaterThan(Date.now() - 1000);

    await drain(down);
    expect(await em().findOneOrFail(Notification, n.id)).toMatchObject({ status: 'FAILED', attempts: 4, nextAttemptAt: null, sentAt: null });
    expect(down.stats).toEqual({ sent: 0, retried: 3, failed: 1 });
  });

  it('marks an email the relay refuses for good FAILED at once, and still sends the others', async () => {
    const strict = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      closeTimeout: 100,
      onRcptTo(address, _session, callback) {
        if (address.address.startsWith('nobody@')) return callback(Object.assign(new Error('No such user'), { responseCode: 550 }));
        callback();
      },
      onData(stream, _session, callback) {
        stream.resume();
        stream.on('end', () => callback());
      },
    });
    await new Promise<void>((resolve) => strict.listen(0, '127.0.0.1', resolve));
    try {
      const rows = await queueEmails(2, (i) => (i === 0 ? 'nobody@example.test' : 'somebody@example.test'));
      const relay = dispatch(db, `smtp://127.0.0.1:${(strict.server.address() as AddressInfo).port}`, [10, 10, 10]);
      await drain(relay);
      expect(await em().findOneOrFail(Notification, rows[0].id)).toMatchObject({ status: 'FAILED', attempts: 1, lastError: expect.stringContaining('550') });
      expect(await em().findOneOrFail(Notification, rows[1].id)).toMatchObject({ status: 'SENT', attempts: 1 });
    } finally {
      await new Promise<void>((resolve) => strict.close(() => resolve()));
    }
  });
});
