import type { GraphQLFormattedError } from 'graphql';
import { canSee } from '../../../lib/auth/identity.js';
import { ErrorCode } from '../../../lib/errors.js';
import type { OrderStatusEvent } from './order-event-dispatcher.js';
import { OrderSequencer } from './order-sequencer.js';
import { OrderSubscription } from './order-subscription.js';

/**
 * `orderStatusChanged(orderId)`: the order's current state first, then every change once, in order.
 *
 * It listens before it reads: events that arrive while the current state is being resolved are
 * held, and after the state (at version V) is sent only events above V go out. An event published
 * before the read is in the state read; one published after it is in the held events; so there is
 * neither a gap nor a duplicate between the first message and the stream.
 */
export class OrderStatusSubscription extends OrderSubscription {
  private readonly sequencer = new OrderSequencer(() => this.schedulePump());
  private ready = false;

  private get orderId(): string {
    return this.plan.args.orderId as string;
  }

  start(): this {
    this.listen({ orderId: this.orderId });
    this.enqueue(() => this.sendFirstState());
    return this;
  }

  deliver(event: OrderStatusEvent): void {
    // The owner of an order never changes, but each event is checked against the subscriber anyway.
    if (this.closed || !canSee(this.identity, event.customerId)) return;
    this.sequencer.offer(event);
    if (this.ready) this.schedulePump();
  }

  /**
   * Events published while NATS was away are lost to this gateway; the current state is not. Queued
   * behind the first state even when that is still being read, which may predate the outage.
   */
  resync(): void {
    this.enqueue(() => this.sendNewerState());
  }

  protected dispose(): void {
    this.sequencer.dispose();
  }

  private async sendFirstState(): Promise<void> {
    const current = await this.deps.resolver.current(this.plan.order, this.orderId, this.identity);
    if (!current.order) {
      this.terminate(refusal(current.errors));
      return;
    }
    this.send(current);
    this.sequencer.advanceTo(current.version ?? 0);
    this.ready = true;
    await this.pump();
  }

  private async sendNewerState(): Promise<void> {
    if (!this.ready) return;
    const current = await this.deps.resolver.current(this.plan.order, this.orderId, this.identity);
    const last = this.sequencer.last ?? 0;
    if (current.order && current.version !== undefined && current.version > last) {
      this.sequencer.advanceTo(current.version);
      this.send(current);
    }
    await this.pump();
  }

  /** Everything the sequencer releases is resolved together, then sent in order; then what arrived meanwhile. */
  protected async pump(): Promise<void> {
    while (!this.closed) {
      const events = this.sequencer.drain();
      if (events.length === 0) return;
      for (const resolved of this.deps.resolver.atEvents(this.plan.order, events, this.identity)) this.send(await resolved);
    }
  }
}

/**
 * Why the first read gave no order: someone else's order is FORBIDDEN (one error, whatever the
 * subgraphs reported), an unknown id NOT_FOUND, anything else as the gateway reported it.
 */
function refusal(errors: readonly GraphQLFormattedError[] | undefined): GraphQLFormattedError {
  const forbidden = errors?.find((e) => e.extensions?.code === ErrorCode.FORBIDDEN);
  if (forbidden) return { message: forbidden.message, extensions: { code: ErrorCode.FORBIDDEN } };
  if (errors?.length) return errors[0];
  return { message: 'Order not found.', extensions: { code: ErrorCode.NOT_FOUND } };
}
