/**
 * The card network as the payment service sees it. The service talks to a processor only through
 * this interface, so the built-in test processor and a real one are interchangeable.
 */

/** What a customer typed; it goes to the processor and is never stored. */
export interface CardDetails {
  number: string;
  expMonth: number;
  expYear: number;
  cvc: string;
}

export interface TokenizedCard {
  /** Opaque; the only handle by which the card can be charged again. */
  token: string;
  brand: string;
  last4: string;
}

export interface ChargeRequest {
  token: string;
  amountCents: number;
  /** The processor answers a repeated key with its first (final) answer instead of charging again. */
  idempotencyKey: string;
}

/**
 * `rate_limited` and `processing_error` are transient: the charge was not made and the same
 * request (same idempotency key) may be sent again. The other failures are final for that key.
 */
export type ChargeResult =
  | { outcome: 'succeeded'; reference: string }
  | { outcome: 'declined' | 'insufficient_funds' | 'rate_limited' | 'processing_error' };

export type ChargeOutcome = ChargeResult['outcome'];

export interface RefundRequest {
  /** The `reference` of the succeeded charge. */
  chargeReference: string;
  amountCents: number;
  idempotencyKey: string;
}

export interface RefundResult {
  reference: string;
}

export interface CardProcessor {
  tokenize(card: CardDetails): Promise<TokenizedCard>;
  charge(request: ChargeRequest): Promise<ChargeResult>;
  refund(request: RefundRequest): Promise<RefundResult>;
}
