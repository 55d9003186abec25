import { z } from 'zod';
import { envName, parseEnv, subgraphBaseConfig, type Env } from '../../../lib/config.js';

/**
 * Comma-separated milliseconds, e.g. "50,200,500"; empty for no retries. Bounded because the
 * retries wait inside the transaction that handles the payment request.
 */
const delayList = z
  .string()
  .trim()
  .transform((s) => (s === '' ? [] : s.split(',').map((part) => part.trim())))
  .pipe(
    z
      .array(z.string().regex(/^\d+$/, 'must be whole milliseconds').transform(Number).pipe(z.number().max(5_000)))
      .max(10),
  );

/** The payment subgraph's settings, parsed once from the environment. */
export function loadPaymentConfig(env: Env) {
  const base = subgraphBaseConfig(env, 'payment');
  const own = parseEnv(
    z.object({
      /** Waits before each retry of a rate-limited or failed-in-processing charge (`PAYMENT_RETRY_DELAYS_MS`). */
      retryDelaysMs: delayList,
    }),
    { retryDelaysMs: env[envName('payment', 'RETRY_DELAYS_MS')] ?? '50,200,500' },
    'payment',
  );
  return { ...base, ...own };
}
export type PaymentConfig = ReturnType<typeof loadPaymentConfig>;
