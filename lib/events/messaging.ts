import type { MikroORM } from '@mikro-orm/postgresql';
import type { SubgraphBaseConfig } from '../config.js';
import type { ReadinessCheck } from '../http/health.js';
import type { Logger } from '../logger.js';
import { EventBus } from './bus.js';
import { EventConsumers, subscriptionsFor, type ConsumerOptions, type Subscription } from './consumer.js';
import type { EventHandlers, EventSteps } from './handlers.js';
import { OutboxRelay, type OutboxRelayOptions } from './outbox-relay.js';
import { publishOnCommit } from './publish-on-commit.js';

export interface MessagingOptions {
  service: string;
  natsUrl: string;
  eventsPrefix: string;
  orm: MikroORM;
  logger: Logger;
  handlers: EventHandlers;
  /** The saga steps every order runs, each in a step transaction (`EventStep`). */
  steps?: EventSteps;
  /** Subscriptions beyond the event handlers (e.g. the order service's dead-letter compensation). */
  extraSubscriptions?: (bus: EventBus) => Subscription[];
  consumer?: ConsumerOptions;
  relay?: OutboxRelayOptions;
  /** Test only (`OUTBOX_RELAY_START_DELAY_MS`): start relaying this long after `start()`. */
  relayStartDelayMs?: number;
}

/** The Messaging of a subgraph, from its parsed base configuration. */
export function subgraphMessaging(
  config: Pick<SubgraphBaseConfig, 'natsUrl' | 'eventsPrefix' | 'eventMaxDeliveries' | 'eventRetryBackoffMs' | 'outboxRelayStartDelayMs'>,
  parts: Pick<MessagingOptions, 'service' | 'orm' | 'logger' | 'handlers' | 'steps' | 'extraSubscriptions'>,
): Messaging {
  return new Messaging({
    ...parts,
    natsUrl: config.natsUrl,
    eventsPrefix: config.eventsPrefix,
    consumer: { maxDeliveries: config.eventMaxDeliveries, backoffMs: config.eventRetryBackoffMs },
    relayStartDelayMs: config.outboxRelayStartDelayMs,
  });
}

/** A service's link to the event bus: the outbox relay and the consumers, started and stopped as one worker. */
export class Messaging {
  bus: EventBus | undefined;
  relay: OutboxRelay | undefined;
  consumers: EventConsumers | undefined;
  private relayDelay: NodeJS.Timeout | undefined;

  constructor(private readonly opts: MessagingOptions) {
    // Before the relay runs, committed events wait in the outbox for its first poll.
    publishOnCommit(opts.orm, (envelopes) => this.relay?.publishCommitted(envelopes));
  }

  /** Connects (retrying until NATS answers), creates streams and consumers, starts relaying. */
  async start(): Promise<void> {
    const { service, natsUrl, eventsPrefix, orm, logger } = this.opts;
    this.bus = await EventBus.connect({ url: natsUrl, prefix: eventsPrefix, name: service, logger });
    this.relay = new OutboxRelay(orm, this.bus, logger.child({ component: 'outbox-relay' }), this.opts.relay);
    await this.startRelay(this.relay);
    const subs = [...subscriptionsFor(this.bus, service, this.opts.handlers, this.opts.steps), ...(this.opts.extraSubscriptions?.(this.bus) ?? [])];
    this.consumers = new EventConsumers(this.bus, orm, subs, logger.child({ component: 'consumer' }), this.opts.consumer);
    await this.consumers.start();
  }

  private async startRelay(relay: OutboxRelay): Promise<void> {
    const delayMs = this.opts.relayStartDelayMs ?? 0;
    if (delayMs === 0) return relay.start();
    this.opts.logger.warn({ delayMs }, 'outbox relay held back (OUTBOX_RELAY_START_DELAY_MS): committed events wait in the outbox');
    this.relayDelay = setTimeout(() => void relay.start(), delayMs);
  }

  /** Consumers finish what they hold, the relay publishes what is committed, then the connection drains. */
  async stop(): Promise<void> {
    clearTimeout(this.relayDelay);
    await this.consumers?.stop();
    await this.relay?.stop();
    await this.bus?.close();
  }

  readiness(): ReadinessCheck {
    return {
      name: 'nats',
      check: async () => {
        if (!this.bus) throw new Error('not connected yet');
        await this.bus.ping();
      },
    };
  }
}
