import type { Identity } from '../../../lib/auth/identity.js';
import { ErrorCode } from '../../../lib/errors.js';
import type { ConnectionIdentity } from './connection-auth.js';
import type { OrderSubscription } from './order-subscription.js';

/** Node timers overflow past ~24.8 days; a token living longer is re-checked then. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * One authenticated WebSocket: who it is, its live subscriptions, and the moment its token
 * expires. At that moment every subscription ends with an UNAUTHENTICATED error and `onExpired`
 * closes the socket, so a stolen socket is worth no more than the token it was opened with.
 */
export class ConnectionSession {
  readonly identity: Identity;
  private readonly subscriptions = new Set<OrderSubscription>();
  private timer: NodeJS.Timeout | undefined;
  private expiredAt: number | undefined;

  constructor(
    auth: ConnectionIdentity,
    private readonly onExpired: (session: ConnectionSession) => void,
  ) {
    this.identity = auth.identity;
    this.schedule(auth.expiresAt * 1000);
  }

  get expired(): boolean {
    return this.expiredAt !== undefined;
  }

  get subscriptionCount(): number {
    return this.subscriptions.size;
  }

  track(subscription: OrderSubscription): void {
    this.subscriptions.add(subscription);
    subscription.onEnd(() => this.subscriptions.delete(subscription));
  }

  /** The socket closed: nothing is left to expire. */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(expiresAtMs: number): void {
    const wait = expiresAtMs - Date.now();
    if (wait <= 0) return this.expire();
    this.timer = setTimeout(() => (wait > MAX_TIMER_MS ? this.schedule(expiresAtMs) : this.expire()), Math.min(wait, MAX_TIMER_MS));
    this.timer.unref();
  }

  private expire(): void {
    if (this.expired) return;
    this.expiredAt = Date.now();
    for (const subscription of [...this.subscriptions]) {
      subscription.terminate({ message: 'Your token expired, so this subscription ended. Log in again and resubscribe.', extensions: { code: ErrorCode.UNAUTHENTICATED } });
    }
    this.onExpired(this);
  }
}
