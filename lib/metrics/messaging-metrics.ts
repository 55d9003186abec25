import { Gauge, type Registry } from 'prom-client';
import type { Messaging } from '../events/messaging.js';
import type { Logger } from '../logger.js';
import { mirrorCounter } from './mirror-counter.js';
import { perScrape } from './per-scrape.js';

/**
 * The event pipeline of one service, read at each scrape: the outbox's backlog and the age of its
 * oldest unpublished event (from the database, so every replica reports the shared table), events
 * published, and its consumers' work: handled, duplicates, redeliveries, dead letters, and how many
 * messages each durable consumer has yet to receive (lag) or holds unacknowledged.
 */
export function registerMessagingMetrics(registry: Registry, messaging: Messaging, logger: Logger): void {
  const failed = (what: string) => (err: unknown) => logger.debug({ err }, `reading ${what} for metrics failed`);
  const backlog = perScrape(() => messaging.relay?.backlog(), failed('the outbox backlog'));
  const lag = perScrape(() => messaging.consumers?.lag(), failed('consumer lag'));

  new Gauge({
    name: 'outbox_backlog_events',
    help: 'Events committed to the outbox and not yet published to JetStream.',
    registers: [registry],
    async collect() {
      const b = await backlog();
      if (b) this.set(b.count);
    },
  });
  new Gauge({
    name: 'outbox_oldest_unpublished_age_seconds',
    help: 'Age of the oldest unpublished outbox event; 0 when the outbox is drained.',
    registers: [registry],
    async collect() {
      const b = await backlog();
      if (b) this.set(b.oldestAgeMs / 1000);
    },
  });
  mirrorCounter(registry, 'outbox_published_total', 'Events this process published from its outbox (JetStream duplicates not counted).', () => messaging.relay?.published ?? 0);

  const stats = () => messaging.consumers?.stats;
  mirrorCounter(registry, 'events_handled_total', 'Events handled and committed by this process.', () => stats()?.handled ?? 0);
  mirrorCounter(registry, 'events_duplicates_total', 'Redelivered events found in the inbox and skipped.', () => stats()?.duplicates ?? 0);
  mirrorCounter(registry, 'events_redeliveries_total', 'Event handlings that failed and were scheduled for redelivery.', () => stats()?.retried ?? 0);
  mirrorCounter(registry, 'events_dead_lettered_total', 'Events sent to the dead-letter stream.', () => stats()?.deadLettered ?? 0);

  new Gauge({
    name: 'events_consumer_pending',
    help: 'Messages on the stream that the durable consumer has not received yet (its lag).',
    labelNames: ['consumer'],
    registers: [registry],
    async collect() {
      for (const c of (await lag()) ?? []) this.set({ consumer: c.consumer }, c.pending);
    },
  });
  new Gauge({
    name: 'events_consumer_ack_pending',
    help: 'Messages delivered to the durable consumer and not yet acknowledged.',
    labelNames: ['consumer'],
    registers: [registry],
    async collect() {
      for (const c of (await lag()) ?? []) this.set({ consumer: c.consumer }, c.ackPending);
    },
  });
}
