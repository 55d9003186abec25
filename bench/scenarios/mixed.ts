import type { BenchCluster } from '../lib/cluster.js';
import { runMixedWorkload, type MixedOptions, type MixedResult } from '../lib/mixed-workload.js';
import type { Shopper } from '../lib/seed-shop.js';

/**
 * Scenario 5: 1,000 concurrent users with think time, a fixed arrival rate overall, against the
 * cluster's gateway: browsing, reading their orders, placing orders, some holding a subscription.
 */
export const MIXED_SETTINGS: MixedOptions = { users: 1000, warmupSeconds: 10, seconds: 30, thinkMs: 10_000, subscribeShare: 0.1 };

export type MixedSummary = MixedResult & { settings: MixedOptions };

export async function runMixed(cluster: BenchCluster, shop: { shoppers: Shopper[]; productIds: string[] }, log: (line: string) => void): Promise<MixedSummary> {
  const result = await runMixedWorkload({ gatewayUrl: cluster.gatewayUrl, shoppers: shop.shoppers, productIds: shop.productIds }, MIXED_SETTINGS, log);
  return { ...result, settings: MIXED_SETTINGS };
}
