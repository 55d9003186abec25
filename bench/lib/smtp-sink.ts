/**
 * The benchmark cluster's mail server, a child process of its own (so receiving thousands of mails
 * costs neither the load generator nor a measured service): the catcher `npm start` uses
 * (scripts/start/smtp-catcher.ts), speaking real SMTP, accepting every message and keeping only
 * the newest few, so memory stays bounded however many a run sends. It does not parse them: it
 * stands for a relay on another machine, and parsing took a tenth of a core from the services at
 * 50 orders/s. A mail's id counts every one
 * received, so the newest id is the total (`GET /messages` lists newest first; BenchCluster's
 * `mailsAccepted()` reads it). Only a child entry point: importing it starts a server.
 *
 *   SMTP_SINK_SMTP_PORT=… SMTP_SINK_HTTP_PORT=… node --import tsx bench/lib/smtp-sink.ts
 */
import { startSmtpCatcher } from '../../scripts/start/smtp-catcher.js';

/** Enough to look at a few after a run; the rest are counted and forgotten. */
const KEEP = 20;

const catcher = await startSmtpCatcher({
  smtpPort: Number(process.env.SMTP_SINK_SMTP_PORT),
  httpPort: Number(process.env.SMTP_SINK_HTTP_PORT),
  keep: KEEP,
  parse: false,
});
console.log(`accepting mail at ${catcher.smtpUrl}; ${catcher.webUrl}/messages lists the newest ${KEEP}`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => void catcher.stop().then(() => process.exit(0)));
}

