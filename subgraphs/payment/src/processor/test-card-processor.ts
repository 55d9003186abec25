import { randomBytes } from 'node:crypto';
import { cardBrand } from '../services/card-validation.js';
import type {
  CardDetails,
  CardProcessor,
  ChargeRequest,
  ChargeResult,
  RefundRequest,
  RefundResult,
  TokenizedCard,
} from './card-processor.js';

/** How a tokenized test card answers a charge. */
type TestCardBehaviour = 'succeed' | 'decline' | 'insufficient' | 'ratelimit' | 'error';

/**
 * The test cards (after the card-network test tables). Any other number that passes validation
 * is charged successfully.
 *
 * | number             | charge answers                                                          |
 * |--------------------|-------------------------------------------------------------------------|
 * | 4242424242424242   | succeeded                                                               |
 * | 4000000000000002   | declined                                                                |
 * | 4000000000009995   | insufficient_funds                                                      |
 * | 4000000000006975   | rate_limited the first 2 times per idempotency key, then succeeded      |
 * | 4000000000000119   | processing_error the first time per idempotency key, then succeeded     |
 */
export const TEST_CARDS = {
  succeeds: '4242424242424242',
  declined: '4000000000000002',
  insufficientFunds: '4000000000009995',
  rateLimited: '4000000000006975',
  processingError: '4000000000000119',
} as const;

const BEHAVIOUR_BY_NUMBER: Record<string, TestCardBehaviour> = {
  [TEST_CARDS.declined]: 'decline',
  [TEST_CARDS.insufficientFunds]: 'insufficient',
  [TEST_CARDS.rateLimited]: 'ratelimit',
  [TEST_CARDS.processingError]: 'error',
};

/** How many transient answers a card gives per idempotency key before it goes through. */
const TRANSIENT_ANSWERS: Partial<Record<TestCardBehaviour, { outcome: 'rate_limited' | 'processing_error'; times: number }>> = {
  ratelimit: { outcome: 'rate_limited', times: 2 },
  error: { outcome: 'processing_error', times: 1 },
};

// The behaviour travels inside the token, so stored cards keep working after a restart
// (this processor's memory is gone; the tokens in the database are not).
const TOKEN = /^tok_test_(succeed|decline|insufficient|ratelimit|error)_[0-9a-f]{24}$/;

const newId = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;

/**
 * The built-in card processor: the one fake, at the edge of the world. Behaves like a real one
 * where the service depends on it: idempotent per key (a final answer is remembered and replayed
 * without charging again; a transient answer is not, so the same request can be retried), and
 * it counts the charges it really made so tests and benchmarks can prove nothing was charged twice.
 */
export class TestCardProcessor implements CardProcessor {
  /** Charges that moved money; replays of a remembered answer are not counted. */
  chargesMade = 0;
  refundsMade = 0;

  private readonly charges = new Map<string, { request: ChargeRequest; result: ChargeResult }>();
  private readonly refunds = new Map<string, { request: RefundRequest; result: RefundResult }>();
  private readonly transientAnswersGiven = new Map<string, number>();

  async tokenize(card: CardDetails): Promise<TokenizedCard> {
    const behaviour = BEHAVIOUR_BY_NUMBER[card.number] ?? 'succeed';
    return { token: newId(`tok_test_${behaviour}`), brand: cardBrand(card.number), last4: card.number.slice(-4) };
  }

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    assertAmount(request.amountCents);
    const remembered = this.charges.get(request.idempotencyKey);
    if (remembered) {
      assertSameRequest(remembered.request, request, request.idempotencyKey);
      return remembered.result;
    }
    // An unknown token is a card this processor never issued: a real one refuses it too.
    const behaviour = (TOKEN.exec(request.token)?.[1] as TestCardBehaviour | undefined) ?? 'decline';
    const transient = TRANSIENT_ANSWERS[behaviour];
    if (transient) {
      const given = this.transientAnswersGiven.get(request.idempotencyKey) ?? 0;
      if (given < transient.times) {
        this.transientAnswersGiven.set(request.idempotencyKey, given + 1);
        return { outcome: transient.outcome };
      }
    }
    const result: ChargeResult =
      behaviour === 'decline'
        ? { outcome: 'declined' }
        : behaviour === 'insufficient'
          ? { outcome: 'insufficient_funds' }
          : { outcome: 'succeeded', reference: newId('ch_test') };
    if (result.outcome === 'succeeded') this.chargesMade++;
    this.charges.set(request.idempotencyKey, { request, result });
    this.transientAnswersGiven.delete(request.idempotencyKey);
    return result;
  }

  async refund(request: RefundRequest): Promise<RefundResult> {
    assertAmount(request.amountCents);
    const remembered = this.refunds.get(request.idempotencyKey);
    if (remembered) {
      assertSameRequest(remembered.request, request, request.idempotencyKey);
      return remembered.result;
    }
    if (!request.chargeReference.startsWith('ch_test_')) {
      throw new Error(`Test processor: no charge ${request.chargeReference} to refund.`);
    }
    const result = { reference: newId('re_test') };
    this.refundsMade++;
    this.refunds.set(request.idempotencyKey, { request, result });
    return result;
  }
}

function assertAmount(amountCents: number): void {
  if (!Number.isInteger(amountCents) || amountCents < 0) {
    throw new Error(`Test processor: amount must be a whole, non-negative number of cents (got ${amountCents}).`);
  }
}

// Reusing a key for a different request is a bug in the caller; real processors reject it too.
function assertSameRequest<R extends object>(first: R, again: R, key: string): void {
  const a = Object.entries(first);
  const same = a.length === Object.keys(again).length && a.every(([k, v]) => (again as Record<string, unknown>)[k] === v);
  if (!same) {
    throw new Error(`Test processor: idempotency key ${key} was reused for a different request.`);
  }
}
