import type { Identity } from '../../../lib/auth/identity.js';
import type { OrderStatusEvent } from './order-event-dispatcher.js';
import { OrderSequencer } from './order-sequencer.js';
import { OrderSubscription, type SubscriptionDeps } from './order-subscription.js';
import type { SubscriptionPlan } from './operation-rewrite.js';

const FINAL_STATUSES = new Set(['DELIVERED', 'CANCELLED', 'FAILED']);

/** Orders a feed keeps sequencing state for; beyond it the longest-idle settled orders are forgotten. */
const MAX_TRACKED_ORDERS = 10_000;

interface TrackedOrder {
  sequencer: OrderSequencer;
  lastStatus: string | undefined;
}

/**
 * `myOrderUpdates` (one customer's orders) and admin `orderUpdates(status)` (every order's): each
 * change once, in order per order. There is no first state: the feed starts with the next change.
 */
export class OrderFeedSubscription extends OrderSubscription {
  private readonly orders = new Map<string, TrackedOrder>();
  private readonly ready = new Set<string>();

  constructor(
    plan: SubscriptionPlan,
    identity: Identity,
    deps: SubscriptionDeps,
    private readonly accepts: (event: OrderStatusEvent) => boolean,
  ) {
    super(plan, identity, deps);
  }

  /** The customer's own orders, each event checked against the subscriber. */
  static mine(plan: SubscriptionPlan, identity: Identity, deps: SubscriptionDeps): OrderFeedSubscription {
    const feed = new OrderFeedSubscription(plan, identity, deps, (e) => e.customerId === identity.customerId);
    feed.listen({ customerId: identity.customerId });
    return feed;
  }

  /** Every order (the caller must be an admin), optionally only changes into `status`. */
  static all(plan: SubscriptionPlan, identity: Identity, deps: SubscriptionDeps): OrderFeedSubscription {
    const status = plan.args.status as string | null | undefined;
    const feed = new OrderFeedSubscription(plan, identity, deps, (e) => identity.role === 'ADMIN' && (!status || e.status === status));
    feed.listen({ all: true });
    return feed;
  }

  deliver(event: OrderStatusEvent): void {
    if (this.closed) return;
    // Every event is sequenced, the filter applies on release: a filtered-out event still fills its place.
    this.tracked(event.orderId).sequencer.offer(event);
    this.ready.add(event.orderId);
    this.schedulePump();
  }

  /** Re-reads the orders this feed follows that were not settled: their latest state may have been missed. */
  resync(): void {
    for (const [orderId, tracked] of this.orders) {
      if (tracked.lastStatus && FINAL_STATUSES.has(tracked.lastStatus)) continue;
      this.enqueue(async () => {
        const current = await this.deps.resolver.current(this.plan.order, orderId, this.identity);
        const last = tracked.sequencer.last ?? 0;
        const status = current.order ? statusOf(current.order, this.plan.order.eventKeys.status) : undefined;
        if (!current.order || current.version === undefined || current.version <= last) return;
        tracked.sequencer.advanceTo(current.version);
        tracked.lastStatus = status ?? tracked.lastStatus;
        const filter = this.plan.args.status as string | null | undefined;
        if (!filter || !status || status === filter) this.send(current);
      });
    }
  }

  protected dispose(): void {
    for (const tracked of this.orders.values()) tracked.sequencer.dispose();
    this.orders.clear();
  }

  private tracked(orderId: string): TrackedOrder {
    let tracked = this.orders.get(orderId);
    if (!tracked) {
      tracked = {
        sequencer: new OrderSequencer(() => {
          this.ready.add(orderId);
          this.schedulePump();
        }),
        lastStatus: undefined,
      };
      this.orders.set(orderId, tracked);
      this.forgetSettledOrders();
    }
    return tracked;
  }

  /**
   * What every ready order's sequencer releases is resolved together (one read per order, shared
   * with other subscribers), then sent in order: per order in sequence, across orders as they came.
   */
  protected async pump(): Promise<void> {
    while (this.ready.size > 0 && !this.closed) {
      const events: OrderStatusEvent[] = [];
      for (const orderId of this.ready) {
        const tracked = this.orders.get(orderId);
        for (const event of tracked?.sequencer.drain() ?? []) {
          tracked!.lastStatus = event.status;
          if (this.accepts(event)) events.push(event);
        }
      }
      this.ready.clear();
      for (const resolved of this.deps.resolver.atEvents(this.plan.order, events, this.identity)) {
        if (this.closed) return;
        this.send(await resolved);
      }
    }
  }

  private forgetSettledOrders(): void {
    if (this.orders.size <= MAX_TRACKED_ORDERS) return;
    // Map order is insertion order: the first entries are the longest followed.
    for (const [orderId, tracked] of this.orders) {
      if (this.orders.size <= MAX_TRACKED_ORDERS * 0.9) break;
      if (tracked.lastStatus && FINAL_STATUSES.has(tracked.lastStatus) && !this.ready.has(orderId)) {
        tracked.sequencer.dispose();
        this.orders.delete(orderId);
      }
    }
  }
}

function statusOf(order: Record<string, unknown>, keys: string[]): string | undefined {
  for (const key of keys) if (typeof order[key] === 'string') return order[key] as string;
  return undefined;
}
