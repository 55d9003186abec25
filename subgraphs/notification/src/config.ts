import { subgraphBaseConfig, type Env } from '../../../lib/config.js';

/** The notification subgraph's settings, parsed once from the environment. */
export function loadNotificationConfig(env: Env) {
  return { ...subgraphBaseConfig(env, 'notification') };
}
export type NotificationConfig = ReturnType<typeof loadNotificationConfig>;
