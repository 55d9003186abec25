import { subgraphBaseConfig, type Env } from '../../../lib/config.js';

/** The payment subgraph's settings, parsed once from the environment. */
export function loadPaymentConfig(env: Env) {
  return { ...subgraphBaseConfig(env, 'payment') };
}
export type PaymentConfig = ReturnType<typeof loadPaymentConfig>;
