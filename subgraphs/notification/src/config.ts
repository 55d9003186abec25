import { z } from 'zod';
import { booleanFromEnv, msList, parseEnv, subgraphBaseConfig, type Env } from '../../../lib/config.js';

/** Waits before each retry, in milliseconds: the n-th entry follows the n-th failed attempt. */
const retrySchedule = z.array(z.number().int().nonnegative()).min(1, 'needs at least one delay');
const positiveMs = z.coerce.number().int().positive();

/** The notification subgraph's settings, parsed once from the environment. */
export function loadNotificationConfig(env: Env) {
  const base = subgraphBaseConfig(env, 'notification');
  const own = parseEnv(
    z.object({
      /** Where email goes (`SMTP_URL`), e.g. smtp://user:pass@relay:587 or the local catcher. */
      smtpUrl: z.string().url().refine((u) => /^smtps?:\/\//.test(u), 'must be an smtp:// or smtps:// URL'),
      /** The From of every email (`MAIL_FROM`), e.g. "Shop <no-reply@shop.example>". */
      mailFrom: z.string().min(3),
      /** Connecting, greeting and each SMTP exchange must finish within this (`SMTP_TIMEOUT_MS`). */
      smtpTimeoutMs: positiveMs,
      emailRetryScheduleMs: retrySchedule,
      /** An endpoint must answer 2xx within this (`WEBHOOK_TIMEOUT_MS`). */
      webhookTimeoutMs: positiveMs,
      webhookRetryScheduleMs: retrySchedule,
      /**
       * Lets webhook URLs reach loopback, private and link-local addresses (`WEBHOOK_ALLOW_PRIVATE_URLS`).
       * Off by default: an admin token must not become a way to probe the internal network.
       */
      webhookAllowPrivateUrls: booleanFromEnv,
      /** How often the dispatcher looks for messages that are due (`NOTIFICATION_DISPATCH_INTERVAL_MS`). */
      dispatchIntervalMs: positiveMs,
    }),
    {
      smtpUrl: env.SMTP_URL ?? 'smtp://127.0.0.1:1025',
      mailFrom: env.MAIL_FROM ?? 'Commerce <no-reply@commerce.localhost>',
      smtpTimeoutMs: env.SMTP_TIMEOUT_MS ?? 10_000,
      // 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, 2 h: a relay that is down for an afternoon loses nothing.
      emailRetryScheduleMs: msList(env.EMAIL_RETRY_SCHEDULE_MS ?? '5000,30000,120000,600000,1800000,3600000,7200000'),
      webhookTimeoutMs: env.WEBHOOK_TIMEOUT_MS ?? 10_000,
      // The Standard Webhooks schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
      webhookRetryScheduleMs: msList(env.WEBHOOK_RETRY_SCHEDULE_MS ?? '5000,300000,1800000,7200000,18000000,36000000,36000000'),
      webhookAllowPrivateUrls: env.WEBHOOK_ALLOW_PRIVATE_URLS ?? 'false',
      dispatchIntervalMs: env.NOTIFICATION_DISPATCH_INTERVAL_MS ?? 500,
    },
    'notification',
  );
  return { ...base, ...own };
}
export type NotificationConfig = ReturnType<typeof loadNotificationConfig>;
