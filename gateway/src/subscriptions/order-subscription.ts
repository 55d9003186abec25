import type { FormattedExecutionResult, GraphQLFormattedError } from 'graphql';
import type { Identity } from '../../../lib/auth/identity.js';
import { ErrorCode } from '../../../lib/errors.js';
import type { Logger } from '../../../lib/logger.js';
import type { ListenerScope, OrderEventDispatcher, OrderEventListener, OrderStatusEvent } from './order-event-dispatcher.js';
import type { OrderResolver, ResolvedOrder } from './order-resolver.js';
import type { SubscriptionPlan } from './operation-rewrite.js';
import { PushStream } from './push-stream.js';

export interface SubscriptionDeps {
  dispatcher: OrderEventDispatcher;
  resolver: OrderResolver;
  logger: Logger;
}

/**
 * What every order subscription shares: a stream of results for graphql-ws, one serial chain of
 * work (so deliveries keep their order however long each resolution takes), and clean-up when the
 * client completes, the socket closes, or the gateway ends the subscription.
 */
export abstract class OrderSubscription implements OrderEventListener {
  readonly stream: PushStream<FormattedExecutionResult>;
  protected closed = false;
  private chain: Promise<void> = Promise.resolve();
  private unlisten: (() => void) | undefined;
  private readonly endListeners: (() => void)[] = [];

  constructor(
    protected readonly plan: SubscriptionPlan,
    protected readonly identity: Identity,
    protected readonly deps: SubscriptionDeps,
  ) {
    this.stream = new PushStream(() => this.onClose());
    deps.resolver.prepare(plan.order);
  }

  abstract deliver(event: OrderStatusEvent): void;
  abstract resync(): void;

  /** Ends the subscription with one error, e.g. when the connection's token expires. */
  terminate(error: GraphQLFormattedError): void {
    if (this.closed) return;
    this.stream.push({ data: null, errors: [{ ...error, path: [this.plan.responseKey] }] });
    this.finish();
  }

  /** Runs `listener` once, when the subscription ends by any path. */
  onEnd(listener: () => void): void {
    if (this.closed) listener();
    else this.endListeners.push(listener);
  }

  private pumpQueued = false;

  /** Sends whatever is ready to send, in order; subclasses decide what "ready" means. */
  protected abstract pump(): Promise<void>;

  /** Queues one pump; events arriving while one is queued are picked up by it, not by another. */
  protected schedulePump(): void {
    if (this.pumpQueued) return;
    this.pumpQueued = true;
    this.enqueue(async () => {
      this.pumpQueued = false;
      await this.pump();
    });
  }

  protected listen(scope: ListenerScope): void {
    this.unlisten = this.deps.dispatcher.listen(scope, this);
  }

  /** Queues work behind what is already queued; a failure ends the subscription rather than skipping a state. */
  protected enqueue(work: () => Promise<void>): void {
    this.chain = this.chain.then(async () => {
      if (this.closed) return;
      try {
        await work();
      } catch (err) {
        this.deps.logger.error({ err, subscription: this.plan.field }, 'subscription delivery failed; ending it');
        this.terminate({ message: 'Internal server error', extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } });
      }
    });
  }

  protected send(resolved: ResolvedOrder): void {
    if (this.closed) return;
    const key = this.plan.responseKey;
    const errors = resolved.errors?.map((e) => (e.path?.[0] === 'order' ? { ...e, path: [key, ...e.path.slice(1)] } : e));
    if (resolved.order) this.stream.push({ data: { [key]: resolved.order }, ...(errors?.length ? { errors } : {}) });
    else this.stream.push({ data: null, errors: errors?.length ? errors : [{ message: 'Order not found.', path: [key], extensions: { code: ErrorCode.NOT_FOUND } }] });
  }

  /** Stops listening and completes the stream once what was pushed has been read. */
  protected finish(): void {
    this.stopListening();
    this.stream.end();
  }

  /** Called when the stream closes by any path. */
  protected onClose(): void {
    this.stopListening();
  }

  private stopListening(): void {
    if (this.closed) return;
    this.closed = true;
    this.unlisten?.();
    this.unlisten = undefined;
    this.dispose();
    for (const listener of this.endListeners.splice(0)) listener();
  }

  /** Releases timers and buffers. */
  protected abstract dispose(): void;
}
