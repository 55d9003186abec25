import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Fires `fire(i, scheduledAt)` for i = 0…total-1 at `ratePerSecond`, on schedule whatever the
 * earlier calls are still doing (an open system, like independent shoppers). Each call is given
 * the time it was due, so latency measured from it includes any delay in sending: a slow server
 * cannot hide its slowness by slowing the load down (coordinated omission).
 * Resolves when the last one has been fired, with how late the sender ran at worst.
 */
export async function fireAtFixedRate(
  ratePerSecond: number,
  total: number,
  fire: (i: number, scheduledAt: number) => void,
): Promise<{ maxSendLagMs: number }> {
  const interval = 1000 / ratePerSecond;
  const start = performance.now();
  let maxSendLagMs = 0;
  for (let i = 0; i < total; ) {
    const now = performance.now();
    // Everything that is due goes out now, so a stalled timer turns into a burst rather than a gap.
    while (i < total && start + i * interval <= now) {
      const due = start + i * interval;
      maxSendLagMs = Math.max(maxSendLagMs, now - due);
      fire(i, due);
      i++;
    }
    if (i < total) await sleep(Math.max(0, start + i * interval - performance.now()));
  }
  return { maxSendLagMs };
}
