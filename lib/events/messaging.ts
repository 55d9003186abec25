import type { MikroORM } from '@mikro-orm/postgresql';
import type { SubgraphBaseConfig } from '../config.js';
import type { ReadinessCheck } from '../http/health.js';
import type { Logger } from '../logger.js';
import { EventBus } from './bus.js';
import { EventConsumers, subscriptionsFor, type ConsumerOptions, type Subscription } from './consumer.js';
import type { EventHandlers } from './handlers.js';
import { kickRelayOnCommit } from './outbox-kick.js';
import { OutboxRelay, type OutboxRelayOptions } from './outbox-relay.js';

export interface MessagingOptions {
  service: string;
  natsUrl: string;
  eventsPrefix: string;
  orm: MikroORM;
  logger: Logger;
  handlers: EventHandlers;
  /** Subscriptions beyond the event handlers (e.g. the order service's dead-letter compensation). */
  extraSubscriptions?: (bus: EventBus) => Subscription[];
  consumer?: ConsumerOptions;
  relay?: OutboxRelayOptions;
}

/** The Messaging of a subgraph, from its parsed base configuration. */
export function subgraphMessaging(
  config: Pick<SubgraphBaseConfig, 'natsUrl' | 'eventsPrefix' | 'eventMaxDeliveries' | 'eventRetryBackoffMs'>,
  parts: { service: string; orm: MikroORM; logger: Logger; handlers: EventHandlers; extraSubscriptions?: MessagingOptions['extraSubscriptions'] },
): Messaging {
  return new Messaging({
    ...parts,
    natsUrl: config.natsUrl,
    eventsPrefix: config.eventsPrefix,
    consumer: { maxDeliveries: config.eventMaxDeliveries, backoffMs: config.eventRetryBackoffMs },
  });
}

/** A service's link to the event bus: the outbox relay and the consumers, started and stopped as one worker. */
export class Messaging {
  bus: EventBus | undefined;
  relay: OutboxRelay | undefined;
  consumers: EventConsumers | undefined;
  private pendingKick = false;

  constructor(private readonly opts: MessagingOptions) {
    kickRelayOnCommit(opts.orm, () => {
      if (this.relay) this.relay.kick();
      else this.pendingKick = true;
    });
  }

  /** Connects (retrying until NATS answers), creates streams and consumers, starts relaying. */
  async start(): Promise<void> {
    const { service, natsUrl, eventsPrefix, orm, logger } = this.opts;
    this.bus = await EventBus.connect({ url: natsUrl, prefix: eventsPrefix, name: service, logger });
    this.relay = new OutboxRelay(orm, this.bus, logger.child({ component: 'outbox-relay' }), this.opts.relay);
    await this.relay.start();
    if (this.pendingKick) this.relay.kick();
    const subs = [...subscriptionsFor(this.bus, service, this.opts.handlers), ...(this.opts.extraSubscriptions?.(this.bus) ?? [])];
    this.consumers = new EventConsumers(this.bus, orm, subs, logger.child({ component: 'consumer' }), this.opts.consumer);
    await this.consumers.start();
  }

  /** Consumers finish what they hold, the relay publishes what is committed, then the connection drains. */
  async stop(): Promise<void> {
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
