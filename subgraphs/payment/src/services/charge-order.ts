import { randomUUID } from 'node:crypto';
import { runSql, valuesList, type SqlStatement, type SqlTarget } from '../../../../lib/db/sql.js';
import type { EventData } from '../../../../lib/events/contracts/index.js';
import type { EventEnvelope } from '../../../../lib/events/envelope.js';
import { newEvent, writeEvents } from '../../../../lib/events/record-event.js';
import type { PaymentStatus } from '../entities/payment.entity.js';
import type { TransactionKind } from '../entities/payment-transaction.entity.js';
import type { CardProcessor, ChargeResult } from '../processor/card-processor.js';
import { isExpired } from './card-validation.js';
import { chargeWithRetries, type ChargeFailureCode, type RetryPolicy } from './charge-attempts.js';
import { isSettled, paymentIdForOrder } from './payment.service.js';

type PaymentRequested = EventEnvelope<EventData<'order.payment_requested'>>;

interface ChargeFacts {
  /** Set when this statement inserted the payment. */
  inserted: string | null;
  /** The payment the order already had, if any. */
  existing_id: string | null;
  existing_status: PaymentStatus | null;
  token: string | null;
  method_owner: string | null;
  method_removed: boolean | null;
  exp_month: number | null;
  exp_year: number | null;
}

/**
 * Inserts the order's payment (PENDING) unless it has one, and reads that payment and the card, in
 * one statement. The insert comes before the processor is called: a second consumer handling the
 * same order at the same time waits on the unique order id here, and then inserts nothing.
 */
function startPayment(em: SqlTarget, event: PaymentRequested) {
  const { orderId, customerId, amountCents, paymentMethodId } = event.data;
  const now = new Date();
  return runSql<ChargeFacts, 'get'>(
    em,
    `with inserted as (
       insert into payments (id, order_id, customer_id, amount_cents, status, attempts, payment_method_id, refunded_cents, created_at, updated_at)
       values (?, ?, ?, ?, 'PENDING', 0, ?, 0, ?, ?)
       on conflict do nothing
       returning id)
     select (select id from inserted) as inserted, p.id as existing_id, p.status as existing_status,
            m.token, m.customer_id as method_owner, m.removed_at is not null as method_removed, m.exp_month, m.exp_year
       from (select 1) as one
       left join payments p on p.order_id = ?
       left join payment_methods m on m.id = ?`,
    [paymentIdForOrder(orderId), orderId, customerId, amountCents, paymentMethodId, now, now, orderId, paymentMethodId],
    'get',
  );
}

/** One answer of the processor, as the transaction log records it. */
interface LogEntry {
  kind: TransactionKind;
  reference: string | null;
  detail: string | null;
  at: Date;
}

/** Rows of the payment's transaction log. */
function logRows(paymentId: string, amountCents: number, rows: LogEntry[]): SqlStatement[] {
  if (rows.length === 0) return [];
  const values = valuesList(rows.map((r) => [randomUUID(), paymentId, r.kind, amountCents, r.reference, r.detail, r.at]));
  return [{ sql: `insert into payment_transactions (id, payment_id, kind, amount_cents, processor_reference, detail, created_at) values ${values.sql}`, params: values.params }];
}

/** The payment's outcome, for `writeEvents` to write with its event. */
function settle(paymentId: string, outcome: { status: PaymentStatus; failureCode: string | null; attempts: number }): SqlStatement {
  const now = new Date();
  return {
    sql: 'update payments set status = ?, failure_code = ?, attempts = ?, processed_at = ?, updated_at = ? where id = ?',
    params: [outcome.status, outcome.failureCode, outcome.attempts, now, now, paymentId],
  };
}

/**
 * Handles `order.payment_requested`: charges the order's card once and records the outcome,
 * ending in `payment.succeeded` or `payment.failed`. Runs inside the consumer's transaction
 * (`em` is in it); an order that already has a settled payment (charged, failed, refunded, or
 * cancelled before the charge) is left alone, so the same request handled again does nothing.
 *
 * Two statements around the processor call: one starts the payment and reads the card, one
 * records the attempts, the outcome and its event.
 */
export async function chargeOrder(em: SqlTarget, processor: CardProcessor, event: PaymentRequested, policy: RetryPolicy): Promise<void> {
  const { orderId, customerId, amountCents } = event.data;
  const facts = (await startPayment(em, event))!;
  if (facts.existing_status && isSettled({ status: facts.existing_status })) return;
  const paymentId = facts.inserted ?? facts.existing_id;
  // Neither inserted nor there when the statement began: another consumer committed it meanwhile.
  // Failing hands the event back for a retry, which then finds that payment.
  if (!paymentId) throw new Error(`The payment of order ${orderId} was started concurrently; retrying.`);

  const fail = (code: ChargeFailureCode | 'PAYMENT_METHOD_INVALID', attempts: number, log: SqlStatement[] = []) =>
    writeEvents(
      em,
      [newEvent('payment.failed', { orderId, paymentId, code, attempts }, { aggregateId: paymentId, cause: event })],
      [...log, settle(paymentId, { status: 'FAILED', failureCode: code, attempts })],
    );
  if (!facts.token || facts.method_removed || facts.method_owner !== customerId || isExpired(facts.exp_month!, facts.exp_year!)) {
    return fail('PAYMENT_METHOD_INVALID', 0);
  }

  const attempts: LogEntry[] = [];
  const logAttempt = (result: ChargeResult) =>
    attempts.push({ kind: 'AUTHORIZE', reference: result.outcome === 'succeeded' ? result.reference : null, detail: result.outcome, at: new Date() });
  const result = await chargeWithRetries(processor, { token: facts.token, amountCents, keyPrefix: paymentId }, policy, logAttempt);
  if (!result.ok) return fail(result.code, result.attempts, logRows(paymentId, amountCents, attempts));

  await writeEvents(
    em,
    [newEvent('payment.succeeded', { orderId, paymentId, amountCents, attempts: result.attempts }, { aggregateId: paymentId, cause: event })],
    [
      ...logRows(paymentId, amountCents, [...attempts, { kind: 'CAPTURE', reference: result.reference, detail: null, at: new Date() }]),
      settle(paymentId, { status: 'CAPTURED', failureCode: null, attempts: result.attempts }),
    ],
  );
}
