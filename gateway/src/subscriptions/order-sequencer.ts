import type { OrderStatusEvent } from './order-event-dispatcher.js';

/**
 * How long a later event waits for a missing earlier one. Publishes of one order's events normally
 * arrive in order; with several outbox relays (replicas) they can cross, by milliseconds.
 */
export const GAP_WAIT_MS = 1000;

/**
 * Releases one order's status events once each, in `sequence` order. Copies (a redelivered or
 * re-published event) and anything at or below what was already sent are dropped; an event that
 * comes early is held until the ones before it arrive, or until `gapWaitMs` passes, when the gap is
 * given up on rather than stalling the stream.
 */
export class OrderSequencer {
  private lastSent: number | undefined;
  private readonly held = new Map<number, OrderStatusEvent>();
  private gapTimer: NodeJS.Timeout | undefined;
  private gapExpired = false;

  constructor(
    /** Called when a held event may go out because the gap wait ran out. */
    private readonly onGapExpired: () => void,
    private readonly gapWaitMs = GAP_WAIT_MS,
  ) {}

  get last(): number | undefined {
    return this.lastSent;
  }

  offer(event: OrderStatusEvent): void {
    if (this.lastSent !== undefined && event.sequence <= this.lastSent) return;
    this.held.set(event.sequence, event);
  }

  /** A state at `sequence` was sent by other means (a query): nothing at or below it goes out again. */
  advanceTo(sequence: number): void {
    if (this.lastSent !== undefined && sequence <= this.lastSent) return;
    this.lastSent = sequence;
    for (const seq of this.held.keys()) if (seq <= sequence) this.held.delete(seq);
    this.clearGap();
  }

  /**
   * The next event to send, or undefined. With no baseline yet (a stream of many orders that has
   * not seen this one), the earliest held event is next.
   */
  next(): OrderStatusEvent | undefined {
    if (this.held.size === 0) {
      this.clearGap();
      return undefined;
    }
    const expected = this.lastSent === undefined ? undefined : this.lastSent + 1;
    let event = expected === undefined ? undefined : this.held.get(expected);
    if (!event && (expected === undefined || this.gapExpired)) event = this.held.get(Math.min(...this.held.keys()));
    if (!event) {
      this.startGap();
      return undefined;
    }
    this.held.delete(event.sequence);
    this.lastSent = event.sequence;
    this.clearGap();
    return event;
  }

  /** Every event `next` would give now, in order. */
  drain(): OrderStatusEvent[] {
    const events: OrderStatusEvent[] = [];
    for (let event = this.next(); event; event = this.next()) events.push(event);
    return events;
  }

  dispose(): void {
    this.clearGap();
    this.held.clear();
  }

  private startGap(): void {
    if (this.gapTimer || this.gapExpired) return;
    this.gapTimer = setTimeout(() => {
      this.gapTimer = undefined;
      this.gapExpired = true;
      this.onGapExpired();
    }, this.gapWaitMs);
    this.gapTimer.unref();
  }

  private clearGap(): void {
    if (this.gapTimer) clearTimeout(this.gapTimer);
    this.gapTimer = undefined;
    this.gapExpired = false;
  }
}
