import type { SubgraphName } from '../../lib/config.js';
import type { ReadinessCheck } from '../../lib/http/health.js';

/** The gateway is ready when every subgraph reports ready, which includes its own database. */
export function subgraphReadinessChecks(urls: Record<SubgraphName, string>): ReadinessCheck[] {
  return Object.entries(urls).map(([name, url]) => ({
    name,
    check: async () => {
      const readyUrl = new URL('/ready', url);
      const res = await fetch(readyUrl, { signal: AbortSignal.timeout(2000) });
      if (!res.ok) throw new Error(`${readyUrl} answered ${res.status}`);
    },
  }));
}
