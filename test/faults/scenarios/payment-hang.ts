import { setTimeout as sleep } from 'node:timers/promises';
import type { GraphQLResponse } from '../../../lib/testing/graphql-client.js';
import { GATEWAY_SUBGRAPH_TIMEOUT_MS } from '../cluster.js';
import { gql } from '../load.js';
import type { Scenario } from '../scenario.js';

const TIMEOUT_MS = GATEWAY_SUBGRAPH_TIMEOUT_MS;
/** What a busy machine may add to it before "in time" no longer holds. */
const SLACK_MS = 2000;
/** Queries that do not touch payment must answer well before the timeout: they did not wait for it. */
const UNAFFECTED_MS = TIMEOUT_MS / 2;
const PAUSE_MS = TIMEOUT_MS + 4000;

const WITH_PAYMENT = `query($id: ID!) { order(id: $id) { id status payment { status } } }`;
const WITHOUT_PAYMENT = `query($id: ID!) { order(id: $id) { id status items { quantity product { name } } } }`;
const CATALOG = `{ products(first: 5) { nodes { id name } } }`;

interface Probe {
  what: string;
  /** When it was answered, relative to the end of the pause: must be before it (negative). */
  endedBeforeResumeMs?: number;
  ms: number;
  res?: GraphQLResponse;
  error?: string;
}

async function timed(what: string, run: () => Promise<GraphQLResponse>): Promise<Probe> {
  const started = Date.now();
  try {
    const res = await run();
    return { what, ms: Date.now() - started, res };
  } catch (err) {
    return { what, ms: Date.now() - started, error: (err as Error).message };
  }
}

const probes: Probe[] = [];

/**
 * 4. The payment service frozen (SIGSTOP) for longer than the gateway's subgraph timeout, then
 * continued (SIGCONT). Meanwhile a query that touches payment must answer in time with the rest
 * of its data and a DOWNSTREAM_SERVICE_ERROR naming payment; queries that do not touch payment,
 * and placing orders, must not notice.
 */
export const paymentHang: Scenario = {
  id: 4,
  title: 'payment service hangs (SIGSTOP) longer than the gateway subgraph timeout',
  durationMs: 3000 + PAUSE_MS + 2000,
  async inject(ctx) {
    probes.length = 0;
    const payment = ctx.cluster.subgraphs.payment[0];
    await ctx.at(2500);
    const order = ctx.flow.orders.find((o) => o.id);
    if (!order) throw new Error('no order was placed before the fault');
    const url = ctx.cluster.gatewayUrl;
    const ask = (q: string, vars: Record<string, unknown> = { id: order.id }) => () => gql(url, q, vars, order.shopper.token, TIMEOUT_MS * 3);
    payment.pause();
    const resumeAt = Date.now() + PAUSE_MS;
    try {
      // Three rounds 500 ms apart, each asking all three at once; all answered while payment is frozen.
      const rounds = [300, 800, 1300].map(async (delay) => {
        await sleep(delay);
        const answers = await Promise.all([timed('with payment', ask(WITH_PAYMENT)), timed('without payment', ask(WITHOUT_PAYMENT)), timed('catalog', ask(CATALOG, {}))]);
        for (const a of answers) a.endedBeforeResumeMs = Date.now() - resumeAt;
        probes.push(...answers);
      });
      await Promise.all(rounds);
    } finally {
      await sleep(Math.max(0, resumeAt - Date.now()));
      payment.resume();
    }
    const slowest = (what: string) => Math.max(...probes.filter((p) => p.what === what).map((p) => p.ms));
    ctx.note(`payment frozen ${(PAUSE_MS / 1000).toFixed(0)} s, timeout ${TIMEOUT_MS / 1000} s; slowest answer with payment ${slowest('with payment')} ms, without ${slowest('without payment')} ms, catalog ${slowest('catalog')} ms`);
  },
  async verify() {
    const problems: string[] = [];
    for (const p of probes) {
      if (p.error) {
        problems.push(`${p.what}: no answer (${p.error}) after ${p.ms} ms`);
        continue;
      }
      if (p.endedBeforeResumeMs! > 0) problems.push(`${p.what}: answered only after payment was continued`);
      const { data, errors } = p.res!;
      if (p.what === 'with payment') {
        const named = errors?.find((e) => e.extensions?.code === 'DOWNSTREAM_SERVICE_ERROR' && e.extensions?.serviceName === 'payment' && e.message.includes('payment'));
        if (p.ms > TIMEOUT_MS + SLACK_MS) problems.push(`with payment: answered after ${p.ms} ms, beyond the ${TIMEOUT_MS} ms timeout`);
        if (!data?.order?.status) problems.push(`with payment: the order's own fields are missing: ${JSON.stringify(data)}`);
        if (data?.order?.payment !== null) problems.push(`with payment: payment is not null: ${JSON.stringify(data?.order?.payment)}`);
        if (!named) problems.push(`with payment: no DOWNSTREAM_SERVICE_ERROR naming payment: ${JSON.stringify(errors)}`);
      } else {
        if (errors?.length) problems.push(`${p.what}: errors although payment is not involved: ${JSON.stringify(errors)}`);
        if (p.ms > UNAFFECTED_MS) problems.push(`${p.what}: took ${p.ms} ms although payment is not involved`);
      }
    }
    return problems;
  },
};
