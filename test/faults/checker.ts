import { setTimeout as sleep } from 'node:timers/promises';
import type { FaultCluster } from './cluster.js';
import type { PlacedOrder, Product } from './load.js';

export const FINAL_STATUSES = ['PAID', 'FAILED', 'CANCELLED'] as const;
type FinalStatus = (typeof FINAL_STATUSES)[number];

/** The email each final state sends, besides the confirmation every order gets. */
const FINAL_EMAIL: Record<FinalStatus, string> = { PAID: 'order-receipt', FAILED: 'order-failed', CANCELLED: 'order-cancelled' };

/** Where the streams and the mailbox stood before a scenario, so its figures count only its own. */
export interface Baseline {
  eventsLastSeq: number;
  deadLetters: number;
}

export interface ScenarioWindow {
  orders: PlacedOrder[];
  products: Product[];
  /** Dead letters the scenario put there on purpose. */
  expectedDeadLetters: number;
  baseline: Baseline;
  /** When the fault was over and the last placement answered: the bound and the recovery time count from here. */
  healedAt: number;
  /** Every order must be final, and every invariant hold, within this after `healedAt`. */
  boundMs: number;
}

export interface CheckReport {
  /** Orders the load tried to place (distinct idempotency keys). */
  attempted: number;
  /** Orders that exist: every key that made one, answered or not. */
  placed: number;
  final: Record<FinalStatus, number>;
  /** Orders acknowledged but missing, placements never answered, expected messages never sent. */
  lost: number;
  /** Second captures, repeated status changes, repeated messages, repeated events in the stream, repeated emails. */
  duplicated: number;
  /** Orders not final within the bound. */
  stuck: number;
  deadLetters: number;
  /** From `healedAt` until every order was final and every invariant held; null when not within the bound. */
  recoveryMs: number | null;
  /** From `healedAt` until nothing was left in flight either: outboxes empty, consumers caught up, no email waiting. */
  settledMs: number | null;
  /** Every violation, in words; empty when the scenario passed. */
  problems: string[];
}

interface Snapshot {
  /** The invariants a customer would notice hold. */
  converged: boolean;
  /** Work still in flight behind them (unpublished events, unacknowledged deliveries, unsent email). */
  backlog: string[];
  placed: number;
  final: Record<FinalStatus, number>;
  lost: number;
  duplicated: number;
  stuck: number;
  problems: string[];
}

export async function takeBaseline(cluster: FaultCluster): Promise<Baseline> {
  const [events, dlq] = await Promise.all([cluster.bus.jsm.streams.info(cluster.bus.eventsStream), cluster.bus.jsm.streams.info(cluster.bus.deadLetterStream)]);
  return { eventsLastSeq: events.state.last_seq, deadLetters: dlq.state.messages };
}

/**
 * Polls the four databases and NATS until every order of the scenario is final and nothing is left
 * half done (reservations, outboxes, consumers, emails), or the bound passes; then counts what was
 * lost, duplicated or stuck, and checks the streams and the mailbox.
 */
export async function checkScenario(cluster: FaultCluster, window: ScenarioWindow): Promise<CheckReport> {
  const deadline = window.healedAt + window.boundMs;
  let snap: Snapshot;
  let recoveryMs: number | null = null;
  let settledMs: number | null = null;
  let lastLogged = 0;
  for (;;) {
    snap = await snapshot(cluster, window).catch((err: unknown) => failedSnapshot(err));
    if (snap.converged) recoveryMs ??= Math.max(0, Date.now() - window.healedAt);
    if (snap.converged && snap.backlog.length === 0) {
      settledMs = Math.max(0, Date.now() - window.healedAt);
      break;
    }
    if (Date.now() > deadline) break;
    if (Date.now() - lastLogged > 2000) {
      lastLogged = Date.now();
      cluster.log.line('checker', `waiting: ${[...snap.problems, ...snap.backlog].join('; ')}`);
    }
    await sleep(500);
  }

  const problems = [...snap.problems, ...snap.backlog];
  const streamDuplicates = await duplicatesInEvents(cluster, window.baseline.eventsLastSeq);
  if (streamDuplicates) problems.push(`${streamDuplicates} event(s) stored twice in ${cluster.bus.eventsStream}`);
  // The catcher records a message once it has parsed it, a moment after accepting it.
  let emails = await emailsAgainstMailbox(cluster);
  for (let i = 0; i < 10 && emails.missing; i++) {
    await sleep(300);
    emails = await emailsAgainstMailbox(cluster);
  }
  if (emails.extra) problems.push(`${emails.extra} more email(s) arrived than the notification service marked SENT`);
  if (emails.missing) problems.push(`${emails.missing} email(s) marked SENT never arrived`);
  const dlq = await cluster.bus.jsm.streams.info(cluster.bus.deadLetterStream);
  const deadLetters = dlq.state.messages - window.baseline.deadLetters;
  if (deadLetters !== window.expectedDeadLetters) problems.push(`${deadLetters} dead letter(s); the scenario expected ${window.expectedDeadLetters}`);
  const crashes = cluster.takeCrashes();
  if (crashes.length) problems.push(`processes exited unasked: ${crashes.join('; ')}`);

  return {
    attempted: window.orders.length,
    placed: snap.placed,
    final: snap.final,
    lost: snap.lost + emails.missing,
    duplicated: snap.duplicated + streamDuplicates + emails.extra,
    stuck: snap.stuck,
    deadLetters,
    recoveryMs,
    settledMs,
    problems,
  };
}

function failedSnapshot(err: unknown): Snapshot {
  return { converged: false, backlog: [], placed: 0, final: { PAID: 0, FAILED: 0, CANCELLED: 0 }, lost: 0, duplicated: 0, stuck: 0, problems: [`the checker could not read state: ${(err as Error).message}`] };
}

async function snapshot(cluster: FaultCluster, window: ScenarioWindow): Promise<Snapshot> {
  const problems: string[] = [];
  const { order, inventory, payment, notification } = cluster.db;
  const byKey = new Map(window.orders.map((o) => [o.key, o]));

  const { rows: orders } = await order.query<{ id: string; idempotency_key: string; status: string }>(
    'select id, idempotency_key, status from orders where idempotency_key = any($1)',
    [[...byKey.keys()]],
  );
  const ids = orders.map((o) => o.id);
  const known = new Set(ids);
  const acknowledgedMissing = window.orders.filter((o) => o.id && !known.has(o.id)).length;
  const unanswered = window.orders.filter((o) => o.gaveUp && !orders.some((r) => r.idempotency_key === o.key)).length;
  const rejected = window.orders.filter((o) => o.rejected);
  if (acknowledgedMissing) problems.push(`${acknowledgedMissing} acknowledged order(s) missing from the order database`);
  if (unanswered) problems.push(`${unanswered} placement(s) never answered`);
  if (rejected.length) problems.push(`${rejected.length} placement(s) refused, e.g. ${rejected[0].rejected}`);

  const final = { PAID: 0, FAILED: 0, CANCELLED: 0 };
  for (const o of orders) if (o.status in final) final[o.status as FinalStatus]++;
  const stuck = orders.filter((o) => !(o.status in final));
  if (stuck.length) problems.push(`${stuck.length} order(s) not final: ${summarize(stuck.map((o) => o.status))}`);

  // Status history: each status at most once per order.
  const { rows: repeatedStatus } = await order.query<{ n: string }>(
    'select count(*) - 1 as n from order_status_changes where order_id = any($1) group by order_id, status having count(*) > 1',
    [ids],
  );
  const historyDuplicates = repeatedStatus.reduce((n, r) => n + Number(r.n), 0);
  if (historyDuplicates) problems.push(`${historyDuplicates} repeated status change(s)`);

  // Stock: nothing held, and on hand = initial − what paid orders bought.
  const { rows: held } = await inventory.query<{ n: string }>("select count(*) as n from stock_reservations where order_id = any($1) and status = 'HELD'", [ids]);
  if (Number(held[0].n)) problems.push(`${held[0].n} reservation(s) still HELD`);
  const sold = new Map<string, number>();
  for (const o of orders) {
    if (o.status !== 'PAID') continue;
    for (const line of byKey.get(o.idempotency_key)!.lines) sold.set(line.productId, (sold.get(line.productId) ?? 0) + line.quantity);
  }
  const { rows: stock } = await inventory.query<{ id: string; stock_quantity: number; reserved: number }>(
    'select id, stock_quantity, reserved from products where id = any($1)',
    [window.products.map((p) => p.id)],
  );
  const stockWrong = window.products.filter((p) => {
    const row = stock.find((s) => s.id === p.id);
    return !row || row.stock_quantity !== p.initialStock - (sold.get(p.id) ?? 0) || row.reserved !== 0;
  });
  if (stockWrong.length) problems.push(`${stockWrong.length} product(s) with stock ≠ initial − paid (or still reserved)`);

  // Money: at most one capture per order; a paid order keeps exactly one, any other gives it back.
  const { rows: money } = await payment.query<{ order_id: string; captures: string; refunds: string }>(
    `select p.order_id, count(t.id) filter (where t.kind = 'CAPTURE') as captures, count(t.id) filter (where t.kind = 'REFUND') as refunds
     from payments p left join payment_transactions t on t.payment_id = p.id where p.order_id = any($1) group by p.order_id`,
    [ids],
  );
  const moneyOf = new Map(money.map((m) => [m.order_id, { captures: Number(m.captures), refunds: Number(m.refunds) }]));
  const extraCaptures = money.reduce((n, m) => n + Math.max(0, Number(m.captures) - 1), 0);
  if (extraCaptures) problems.push(`${extraCaptures} second capture(s)`);
  const paidWrong = orders.filter((o) => o.status === 'PAID' && (moneyOf.get(o.id)?.captures !== 1 || moneyOf.get(o.id)?.refunds !== 0)).length;
  const keptMoney = orders.filter((o) => o.status !== 'PAID' && (moneyOf.get(o.id)?.captures ?? 0) > (moneyOf.get(o.id)?.refunds ?? 0)).length;
  if (paidWrong) problems.push(`${paidWrong} PAID order(s) without exactly one capture`);
  if (keptMoney) problems.push(`${keptMoney} unpaid order(s) whose capture was not refunded`);

  // Messages: each (order, template) once; the confirmation and the final state's email sent.
  const { rows: messages } = await notification.query<{ order_id: string; template: string; n: string; sent: string }>(
    `select order_id, template, count(*) as n, count(*) filter (where status = 'SENT') as sent
     from notifications where order_id = any($1) and channel = 'EMAIL' group by order_id, template`,
    [ids],
  );
  const messageDuplicates = messages.reduce((n, m) => n + Math.max(0, Number(m.n) - 1), 0);
  if (messageDuplicates) problems.push(`${messageDuplicates} repeated email(s) for one order and template`);
  const sent = new Set(messages.filter((m) => Number(m.sent) > 0).map((m) => `${m.order_id}:${m.template}`));
  const missingMessages = orders.filter((o) => o.status in final).flatMap((o) => ['order-confirmation', FINAL_EMAIL[o.status as FinalStatus]].filter((t) => !sent.has(`${o.id}:${t}`)));
  if (missingMessages.length) problems.push(`${missingMessages.length} expected email(s) not sent: ${summarize(missingMessages)}`);

  // Nothing left behind: every outbox published, every consumer caught up, no email waiting.
  const backlog: string[] = [];
  const backlogs = await Promise.all(
    (['order', 'inventory', 'payment', 'notification'] as const).map(async (n) => {
      const { rows } = await cluster.db[n].query<{ n: string }>('select count(*) as n from outbox_events where published_at is null');
      return [n, Number(rows[0].n)] as const;
    }),
  );
  const outboxLeft = backlogs.filter(([, n]) => n > 0);
  if (outboxLeft.length) backlog.push(`unpublished outbox rows: ${outboxLeft.map(([s, n]) => `${s} ${n}`).join(', ')}`);
  const lagging = await consumersBehind(cluster);
  if (lagging.length) backlog.push(`consumers behind: ${lagging.join(', ')}`);
  const { rows: pendingEmail } = await notification.query<{ n: string }>("select count(*) as n from notifications where status = 'PENDING'");
  if (Number(pendingEmail[0].n)) backlog.push(`${pendingEmail[0].n} message(s) still PENDING`);

  return {
    converged: problems.length === 0,
    backlog,
    placed: orders.length,
    final,
    lost: acknowledgedMissing + unanswered + missingMessages.length,
    duplicated: historyDuplicates + extraCaptures + messageDuplicates,
    stuck: stuck.length,
    problems,
  };
}

/** Durable consumers with messages not yet delivered or not yet acknowledged. */
async function consumersBehind(cluster: FaultCluster): Promise<string[]> {
  const behind: string[] = [];
  for (const stream of [cluster.bus.eventsStream, cluster.bus.deadLetterStream]) {
    for await (const c of cluster.bus.jsm.consumers.list(stream)) {
      // Durable ones only: the services'. The checker's own ordered readers come and go.
      if (!c.config.durable_name) continue;
      if (c.num_pending + c.num_ack_pending > 0) behind.push(`${c.name} (${c.num_pending} pending, ${c.num_ack_pending} unacked)`);
    }
  }
  return behind;
}

/** Messages stored in the events stream after `afterSeq` whose event id was stored already. */
async function duplicatesInEvents(cluster: FaultCluster, afterSeq: number): Promise<number> {
  const { js, jsm, eventsStream } = cluster.bus;
  const last = (await jsm.streams.info(eventsStream)).state.last_seq;
  if (last <= afterSeq) return 0;
  const consumer = await js.consumers.get(eventsStream, { opt_start_seq: afterSeq + 1 });
  const ids = new Set<string>();
  let stored = 0;
  const messages = await consumer.consume({ max_messages: 1000 });
  for await (const m of messages) {
    stored++;
    ids.add(m.headers?.get('Nats-Msg-Id') || `seq:${m.seq}`);
    if (m.seq >= last) break;
  }
  await messages.close();
  return stored - ids.size;
}

/** The mailbox against the notification service's record: every SENT email arrived, once. */
async function emailsAgainstMailbox(cluster: FaultCluster): Promise<{ extra: number; missing: number }> {
  const { rows } = await cluster.db.notification.query<{ n: string }>("select count(*) as n from notifications where channel = 'EMAIL' and status = 'SENT'");
  const sent = Number(rows[0].n);
  const arrived = cluster.smtp.messages.length;
  return { extra: Math.max(0, arrived - sent), missing: Math.max(0, sent - arrived) };
}

/** "RESERVED ×3, PENDING ×1" */
function summarize(values: string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([v, n]) => `${v.replace(/^[0-9a-f-]{36}:/, '')} ×${n}`).join(', ');
}
