import { Events, type Msg, type Subscription } from 'nats';
import type { EventBus } from '../../../lib/events/bus.js';
import { orderStatusChanged } from '../../../lib/events/contracts/order.events.js';
import type { EventData } from '../../../lib/events/contracts/index.js';
import { EnvelopeSchema } from '../../../lib/events/envelope.js';
import type { Logger } from '../../../lib/logger.js';

/** One status change as subscriptions see it: the contract's data and the id of the event that carried it. */
export type OrderStatusEvent = EventData<'order.status_changed'> & { eventId: string };

export interface OrderEventListener {
  deliver(event: OrderStatusEvent): void;
  /** The NATS connection came back: events published while it was away were not delivered. */
  resync(): void;
}

/** Which events a listener wants: one order's, one customer's, or every order's. */
export type ListenerScope = { orderId: string } | { customerId: string } | { all: true };

/**
 * The gateway's one NATS subscription to `order.status_changed`, fanned out in process to every
 * listener by order and by customer, so many subscribers cost one subscription and one parse per event.
 * It is a core subscription: JetStream delivers each publish to core subscribers too, with no
 * consumer state on the server for every gateway replica to keep.
 */
export class OrderEventDispatcher {
  private readonly byOrder = new Map<string, Set<OrderEventListener>>();
  private readonly byCustomer = new Map<string, Set<OrderEventListener>>();
  private readonly everyOrder = new Set<OrderEventListener>();
  private subscription: Subscription | undefined;
  private watchingStatus = false;
  /** Counters for tests, benchmarks and logs. */
  readonly stats = { received: 0, invalid: 0, delivered: 0, resyncs: 0 };

  constructor(
    private readonly bus: EventBus,
    private readonly logger: Logger,
  ) {}

  /** Subscribes and waits until the server has the subscription, so no event published afterwards is missed. */
  async start(): Promise<void> {
    if (this.subscription) return;
    this.subscription = this.bus.nc.subscribe(this.bus.subject(orderStatusChanged.type), {
      callback: (err, msg) => {
        if (err) this.logger.warn({ err }, 'order status subscription error');
        else this.onMessage(msg);
      },
    });
    await this.bus.nc.flush();
    void this.watchReconnects();
  }

  listen(scope: ListenerScope, listener: OrderEventListener): () => void {
    const [map, key] = 'orderId' in scope ? [this.byOrder, scope.orderId] : 'customerId' in scope ? [this.byCustomer, scope.customerId] : [undefined, ''];
    const set = map ? setIn(map, key) : this.everyOrder;
    set.add(listener);
    return () => {
      set.delete(listener);
      if (map && set.size === 0 && map.get(key) === set) map.delete(key);
    };
  }

  get listenerCount(): number {
    let n = this.everyOrder.size;
    for (const set of this.byOrder.values()) n += set.size;
    for (const set of this.byCustomer.values()) n += set.size;
    return n;
  }

  stop(): void {
    this.subscription?.unsubscribe();
    this.subscription = undefined;
  }

  private onMessage(msg: Msg): void {
    this.stats.received++;
    const event = this.parse(msg);
    if (!event) return;
    for (const set of [this.byOrder.get(event.orderId), this.byCustomer.get(event.customerId), this.everyOrder]) {
      if (!set) continue;
      for (const listener of set) {
        try {
          listener.deliver(event);
          this.stats.delivered++;
        } catch (err) {
          this.logger.error({ err, eventId: event.eventId }, 'a subscription failed to take an order event');
        }
      }
    }
  }

  private parse(msg: Msg): OrderStatusEvent | undefined {
    let json: unknown;
    try {
      json = msg.json();
    } catch {
      json = undefined;
    }
    const envelope = EnvelopeSchema.safeParse(json);
    const data = envelope.success ? orderStatusChanged.schema.safeParse(envelope.data.data) : undefined;
    if (!envelope.success || !data?.success) {
      this.stats.invalid++;
      this.logger.warn({ subject: msg.subject }, 'dropped an order.status_changed message that does not match its contract');
      return undefined;
    }
    return { ...data.data, eventId: envelope.data.id };
  }

  private async watchReconnects(): Promise<void> {
    if (this.watchingStatus) return;
    this.watchingStatus = true;
    for await (const status of this.bus.nc.status()) {
      if (status.type !== Events.Reconnect) continue;
      try {
        // The client re-sends its subscriptions on reconnect; flushing makes sure the server has
        // them before listeners re-read state, so nothing falls between the re-read and the stream.
        await this.bus.nc.flush();
      } catch (err) {
        this.logger.warn({ err }, 'flush after NATS reconnect failed');
        continue;
      }
      this.stats.resyncs++;
      this.logger.info({ listeners: this.listenerCount }, 'NATS reconnected; subscriptions re-read current order state');
      for (const listener of this.allListeners()) {
        try {
          listener.resync();
        } catch (err) {
          this.logger.error({ err }, 'a subscription failed to resync');
        }
      }
    }
  }

  private *allListeners(): Iterable<OrderEventListener> {
    const seen = new Set<OrderEventListener>();
    for (const set of [...this.byOrder.values(), ...this.byCustomer.values(), this.everyOrder]) {
      for (const listener of set) {
        if (!seen.has(listener)) {
          seen.add(listener);
          yield listener;
        }
      }
    }
  }
}

function setIn<K, V>(map: Map<K, Set<V>>, key: K): Set<V> {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  return set;
}
