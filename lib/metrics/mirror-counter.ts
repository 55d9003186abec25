import { Counter, type Registry } from 'prom-client';

/**
 * A Prometheus counter that follows a count kept elsewhere (e.g. `EventConsumers.stats`), read at
 * each scrape, so the hot path that counts pays nothing for metrics. When the source starts over
 * (a restarted component), the counter keeps its total and follows the new source from there.
 */
export function mirrorCounter(registry: Registry, name: string, help: string, read: () => number): void {
  let seen = 0;
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      const now = read();
      if (now > seen) this.inc(now - seen);
      seen = now;
    },
  });
}
