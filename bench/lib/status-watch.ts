import type { Subscription } from 'nats';
import type { EventBus } from '../../lib/events/bus.js';

export const FINAL_STATUSES = ['PAID', 'FAILED', 'CANCELLED'] as const;

/**
 * Timestamps every `order.status_changed` event as a subscriber on the bus sees it, per order and
 * status: how the benchmark learns that an order is PAID without polling the gateway. A core NATS
 * subscription receives what the outbox relays publish to JetStream, at the moment they are stored.
 */
export class OrderStatusWatch {
  private readonly seen = new Map<string, Map<string, number>>();
  private readonly sub: Subscription;
  /** Events received, for the progress line. */
  events = 0;

  constructor(bus: EventBus) {
    this.sub = bus.nc.subscribe(bus.subject('order.status_changed'), {
      callback: (err, msg) => {
        if (err) return;
        const at = performance.now();
        const { data } = JSON.parse(msg.string()) as { data: { orderId: string; status: string } };
        let statuses = this.seen.get(data.orderId);
        if (!statuses) this.seen.set(data.orderId, (statuses = new Map()));
        if (!statuses.has(data.status)) statuses.set(data.status, at);
        this.events++;
      },
    });
  }

  /** When the subscriber first saw `orderId` reach `status`, on the `performance.now()` clock. */
  at(orderId: string, status: string): number | undefined {
    return this.seen.get(orderId)?.get(status);
  }

  finalStatus(orderId: string): string | undefined {
    const statuses = this.seen.get(orderId);
    return statuses && FINAL_STATUSES.find((s) => statuses.has(s));
  }

  close(): void {
    this.sub.unsubscribe();
  }
}
