import { subgraphBaseConfig, type Env } from '../../../lib/config.js';

/** The inventory subgraph's settings, parsed once from the environment. */
export function loadInventoryConfig(env: Env) {
  return { ...subgraphBaseConfig(env, 'inventory') };
}
export type InventoryConfig = ReturnType<typeof loadInventoryConfig>;
