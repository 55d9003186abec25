import { setTimeout as sleep } from 'node:timers/promises';
import type { CardProcessor, ChargeResult } from '../processor/card-processor.js';

/** How hard to try a charge. */
export interface RetryPolicy {
  /**
   * The wait before each retry of a transient answer (rate_limited, processing_error); its length
   * is how many such retries are made. Kept short: the retries run inside a database transaction.
   */
  transientDelaysMs: readonly number[];
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { transientDelaysMs: [50, 200, 500] };

/** A soft decline is often a one-off at the issuer: try once more with a fresh request, then stop. */
const DECLINE_RETRIES = 1;

export type ChargeFailureCode = 'PAYMENT_DECLINED' | 'INSUFFICIENT_FUNDS' | 'PAYMENT_ERROR';

export type ChargeAttemptsResult =
  | { ok: true; reference: string; attempts: number }
  | { ok: false; code: ChargeFailureCode; attempts: number };

/**
 * Charges `token` until the processor gives an answer worth keeping:
 * - succeeded: done;
 * - insufficient_funds: fail at once (trying again cannot help);
 * - declined: one more try under a new idempotency key (the old key would replay the decline), then fail;
 * - rate_limited / processing_error: wait, then send the same request again under the same key
 *   (the processor may have acted on it; the key makes sure it acts at most once), then fail.
 *
 * Keys are `${keyPrefix}:${n}`, n counting fresh requests from 1, so the same payment charged again
 * from the start reuses the keys the processor already answered instead of charging twice.
 */
export async function chargeWithRetries(
  processor: CardProcessor,
  charge: { token: string; amountCents: number; keyPrefix: string },
  policy: RetryPolicy,
  onAttempt: (result: ChargeResult, attempt: number) => void,
): Promise<ChargeAttemptsResult> {
  let attempts = 0;
  let request = 1;
  let declineRetries = 0;
  let transientRetries = 0;
  for (;;) {
    attempts++;
    const result = await processor.charge({
      token: charge.token,
      amountCents: charge.amountCents,
      idempotencyKey: `${charge.keyPrefix}:${request}`,
    });
    onAttempt(result, attempts);
    switch (result.outcome) {
      case 'succeeded':
        return { ok: true, reference: result.reference, attempts };
      case 'insufficient_funds':
        return { ok: false, code: 'INSUFFICIENT_FUNDS', attempts };
      case 'declined':
        if (declineRetries >= DECLINE_RETRIES) return { ok: false, code: 'PAYMENT_DECLINED', attempts };
        declineRetries++;
        request++;
        break;
      case 'rate_limited':
      case 'processing_error':
        if (transientRetries >= policy.transientDelaysMs.length) return { ok: false, code: 'PAYMENT_ERROR', attempts };
        await sleep(policy.transientDelaysMs[transientRetries++]);
        break;
    }
  }
}
