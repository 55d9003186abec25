import { randomUUID } from 'node:crypto';
import { waitFor } from '../../../lib/testing/wait.js';
import { gql, registerShoppers, type PlacedOrder, type Shopper } from '../load.js';
import type { Scenario } from '../scenario.js';

const MAX_DELIVERIES = 5;
let poisoner: Shopper;
let poisoned: PlacedOrder | undefined;

/**
 * The fault is planted in the payment database, not in code: a trigger refuses to insert a new
 * (PENDING) payment for one customer, and counts each try in a sequence (sequences ignore
 * rollbacks). Their `order.payment_requested` is well formed and about a real order, yet its
 * handler fails on every delivery. Refunds write FAILED payments, which the trigger lets through,
 * so the compensation itself is not poisoned.
 */
const plant = (customerId: string) => [
  'create sequence fault_poison_hits',
  `create function fault_poison() returns trigger language plpgsql as $$
   begin
     perform nextval('fault_poison_hits');
     raise exception 'fault suite: payment request for order % is poisoned', new.order_id;
   end $$`,
  `create trigger fault_poison before insert on payments for each row
   when (new.customer_id = '${customerId}' and new.status = 'PENDING') execute function fault_poison()`,
];
const UPROOT = ['drop trigger if exists fault_poison on payments', 'drop function if exists fault_poison()', 'drop sequence if exists fault_poison_hits'];

/**
 * 6. A poison event: one order's `order.payment_requested` fails in its handler every time. It must
 * be delivered EVENT_MAX_DELIVERIES times, no more, land on `<prefix>.dlq.order.payment_requested`,
 * and the order service must compensate: the order FAILED (PROCESSING_ERROR), its stock released,
 * its customer told. Every other order flows as usual.
 */
export const poisonEvent: Scenario = {
  id: 6,
  title: 'poison event (handler fails on every delivery)',
  durationMs: 8000,
  expectedDeadLetters: 1,
  async setup(ctx) {
    [poisoner] = await registerShoppers(ctx.cluster, 1);
    for (const sql of plant(poisoner.id)) await ctx.cluster.db.payment.query(sql);
  },
  async inject(ctx) {
    await ctx.at(2000);
    const lines = [{ productId: ctx.products[0].id, quantity: 1 }];
    const key = randomUUID();
    const sentAt = Date.now();
    const res = await gql(ctx.cluster.gatewayUrl, `mutation($i: PlaceOrderInput!, $k: String!) { placeOrder(input: $i, idempotencyKey: $k) { id } }`, { i: { items: lines, paymentMethodId: poisoner.cardId }, k: key }, poisoner.token);
    if (!res.data?.placeOrder) throw new Error(`placing the poisoned order failed: ${JSON.stringify(res.errors)}`);
    poisoned = { key, shopper: poisoner, lines, id: res.data.placeOrder.id, sentAt, attempts: 1, cancel: false };
    ctx.extraOrders.push(poisoned);
    ctx.healedAt = sentAt;
    const failed = await waitFor('the poisoned order to be compensated', async () => {
      const { rows } = await ctx.cluster.db.order.query<{ status: string }>('select status from orders where id = $1', [poisoned!.id]);
      return rows[0]?.status === 'FAILED' ? Date.now() : undefined;
    }, 60_000, 200);
    ctx.note(`poisoned order FAILED ${((failed - sentAt) / 1000).toFixed(1)} s after it was placed`);
  },
  async verify(ctx) {
    const problems: string[] = [];
    const { cluster } = ctx;
    const { rows: hits } = await cluster.db.payment.query<{ n: string }>('select last_value as n from fault_poison_hits');
    if (Number(hits[0].n) !== MAX_DELIVERIES) problems.push(`the poisoned handler ran ${hits[0].n} times, not EVENT_MAX_DELIVERIES = ${MAX_DELIVERIES}`);
    const { rows } = await cluster.db.order.query<{ status: string; failure_reason: string }>('select status, failure_reason from orders where id = $1', [poisoned?.id]);
    if (rows[0]?.status !== 'FAILED' || rows[0]?.failure_reason !== 'PROCESSING_ERROR') problems.push(`the poisoned order is ${JSON.stringify(rows[0])}, not FAILED with PROCESSING_ERROR`);
    const subject = cluster.bus.deadLetterSubject('order.payment_requested');
    const letter = await cluster.bus.jsm.streams.getMessage(cluster.bus.deadLetterStream, { last_by_subj: subject }).catch(() => undefined);
    if (!letter) {
      problems.push(`nothing on ${subject}`);
    } else {
      const body = JSON.parse(new TextDecoder().decode(letter.data)) as { data: { orderId: string } };
      const deliveries = letter.header.get('dead-letter-deliveries');
      const consumer = letter.header.get('dead-letter-consumer');
      if (body.data.orderId !== poisoned?.id) problems.push(`the dead letter is about order ${body.data.orderId}, not the poisoned one`);
      if (deliveries !== String(MAX_DELIVERIES)) problems.push(`the dead letter says ${deliveries} deliveries`);
      ctx.note(`dead letter on \`${subject.replace(cluster.bus.prefix, '<prefix>')}\` from ${consumer} after ${deliveries} deliveries (handler ran ${hits[0].n} times)`);
    }
    return problems;
  },
  async teardown(ctx) {
    for (const sql of UPROOT) await ctx.cluster.db.payment.query(sql);
  },
};
