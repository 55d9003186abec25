import { afterEach, describe, expect, it, vi } from 'vitest';
import type { OrderStatusEvent } from './order-event-dispatcher.js';
import { OrderSequencer } from './order-sequencer.js';

const event = (sequence: number): OrderStatusEvent => ({
  eventId: `e${sequence}`,
  orderId: 'o',
  customerId: 'c',
  status: 'PAID',
  previousStatus: null,
  reason: null,
  sequence,
});
const drain = (s: OrderSequencer) => {
  const out: number[] = [];
  for (let e = s.next(); e; e = s.next()) out.push(e.sequence);
  return out;
};

describe('OrderSequencer', () => {
  afterEach(() => vi.useRealTimers());

  it('releases in sequence order once each, after the state already sent', () => {
    const s = new OrderSequencer(() => {});
    for (const n of [3, 2, 4, 2, 1]) s.offer(event(n));
    s.advanceTo(2);
    expect(drain(s)).toEqual([3, 4]);
    s.offer(event(4));
    s.offer(event(3));
    expect(drain(s)).toEqual([]);
  });

  it('with no baseline starts from the earliest event it holds', () => {
    const s = new OrderSequencer(() => {});
    s.offer(event(7));
    s.offer(event(6));
    expect(drain(s)).toEqual([6, 7]);
  });

  it('holds an early event for the missing one, then gives the gap up after the wait', () => {
    vi.useFakeTimers();
    const expired = vi.fn();
    const s = new OrderSequencer(expired, 1000);
    s.advanceTo(1);
    s.offer(event(3));
    expect(drain(s)).toEqual([]);
    vi.advanceTimersByTime(500);
    s.offer(event(2));
    expect(drain(s)).toEqual([2, 3]);
    s.offer(event(5));
    expect(drain(s)).toEqual([]);
    vi.advanceTimersByTime(1000);
    expect(expired).toHaveBeenCalledOnce();
    expect(drain(s)).toEqual([5]);
  });
});
