/**
 * The mixed workload (the load target of 1,000 concurrent users): virtual shoppers who think, then
 * browse, search, open a product, look at their orders or place one, while a share of them hold an
 * order subscription. Independent of how the stack runs: it needs only the gateway's URL and the
 * shoppers' tokens and cards, so the same run drives an in-process stack or separate processes.
 *
 * Open loop: each user's actions are due at times drawn in advance (exponential think times, so
 * each user is a Poisson process and all of them together arrive at users / think time per second)
 * and are sent when due, whether or not the user's previous action has been answered. Latency is
 * measured from the time an action was due, not from when it was sent, so a stalled generator or
 * server shows up as latency rather than as fewer requests (coordinated omission; bench/lib/open-loop.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { KeepAliveGraphQLClient } from './http-client.js';
import { buildAction, DOCUMENTS, MIX, operationFor, searchTermsFrom, type Action, type ActionContext, type MixedOperation } from './mixed-operations.js';
import { watchSubgraphFetches, type SubgraphFetches } from './mixed-subgraph-fetches.js';
import { MixedSubscribers } from './mixed-subscribers.js';
import { distribution } from './percentiles.js';

export interface MixedTarget {
  /** The gateway's HTTP endpoint, http://…/graphql; subscriptions use the same path over ws://. */
  gatewayUrl: string;
  /** Accounts the virtual users act as; with more users than shoppers, several users share one. */
  shoppers: { token: string; cardId: string }[];
  /** Products that can be ordered (enough stock for the whole run). */
  productIds: string[];
}

export interface MixedOptions {
  /** Concurrent virtual users (the target is 1,000). */
  users: number;
  /** How long actions are measured for, after the warm-up; answers still in flight at the end are awaited (up to the timeout). */
  seconds: number;
  /**
   * Seconds of the same load before the measured ones, not counted: the services' code paths are
   * compiled, pools filled and plans cached, and the measured window sees the steady state the load
   * leads to (what queued during the warm-up is still queued). Default 0.
   */
  warmupSeconds?: number;
  /** Mean think time between a user's actions, in ms (exponentially distributed). */
  thinkMs: number;
  /** Share of users, 0…1, who hold a `myOrderUpdates` subscription for the whole run. */
  subscribeShare: number;
  /** Per-request timeout, counted as an error; default 10 s. */
  timeoutMs?: number;
  /** Seconds between progress lines; default 5. */
  progressEverySeconds?: number;
}

export interface OperationStats {
  count: number;
  errors: number;
  /** Milliseconds from the time the action was due to its answer, errors and timeouts included (a user waited for them too). */
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

export interface MixedResult {
  users: number;
  seconds: number;
  warmupSeconds: number;
  thinkMs: number;
  /** The scheduled rate: users / think time. */
  arrivalRatePerSecond: number;
  /** Actions sent, per second of the run: the scheduled rate, give or take the randomness of the arrivals. */
  achievedRatePerSecond: number;
  /** How late the generator sent an action at worst: large values mean the load generator itself was starved. */
  maxSendLagMs: number;
  mix: Record<MixedOperation, number>;
  operations: Record<MixedOperation, OperationStats>;
  subscriptions: {
    /** Subscriptions asked for, acknowledged by the gateway, and still alive at the end. */
    wanted: number;
    opened: number;
    held: number;
    eventsReceived: number;
    errors: number;
    /**
     * For orders placed during the run by an account with a subscriber: from the time placeOrder was
     * due to the first subscriber receiving PAID. Orders with no PAID by the end are `missing`.
     */
    placementToPaidPushed: Omit<OperationStats, 'errors'> & { missing: number };
  };
  /** The gateway's fetches per subgraph over the run (its /metrics), to tell which subgraph was slow; null without metrics. */
  subgraphFetches: Record<string, SubgraphFetches> | null;
  /** The most frequent distinct errors, with their counts. */
  errorSamples: string[];
}

const DEFAULT_TIMEOUT_MS = 10_000;
/** After the last answer, how long to wait for subscribers to see the run's orders reach PAID. */
const PUSH_SETTLE_MS = 10_000;

class TimeoutError extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new TimeoutError(`no answer within ${ms / 1000} s`)), ms);
    promise.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e: unknown) => (clearTimeout(timer), reject(e)),
    );
  });
}

/** Exponentially distributed with mean `mean`: the gaps of a Poisson process. */
const exponential = (mean: number) => -mean * Math.log(1 - Math.random());

/** Nearest-rank percentiles as bench/lib/percentiles.ts computes them, plus p95, which it lacks. */
function summarize(samples: readonly number[]): Omit<OperationStats, 'errors'> {
  const d = distribution(samples);
  const sorted = [...samples].sort((a, b) => a - b);
  const p95 = sorted.length ? Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)] * 10) / 10 : null;
  return { count: d.count, p50: d.p50, p95, p99: d.p99, max: d.max };
}

/** Counts errors by message, for the samples in the result. */
class ErrorTally {
  private readonly counts = new Map<string, number>();
  note(message: string): void {
    this.counts.set(message, (this.counts.get(message) ?? 0) + 1);
  }
  top(n: number): string[] {
    return [...this.counts].sort((a, b) => b[1] - a[1]).slice(0, n).map(([m, c]) => `${c}× ${m}`);
  }
}

const errorText = (res: { status: number; errors?: { message: string; extensions?: Record<string, unknown> }[] }) => {
  const e = res.errors?.[0];
  const code = e?.extensions?.code;
  return `HTTP ${res.status}${code ? ` ${String(code)}` : ''}: ${(e?.message ?? '').slice(0, 200)}`;
};

/** Runs one action and returns an error message, or undefined when it succeeded. */
async function perform(client: KeepAliveGraphQLClient, action: Action, token: string, timeoutMs: number): Promise<{ error?: string; data?: any }> {
  try {
    const res = await withTimeout(client.post(action.query, action.variables, token), timeoutMs);
    if (res.status !== 200 || res.errors?.length) return { error: errorText(res) };
    const wrong = action.check(res.data);
    return wrong ? { error: wrong } : { data: res.data };
  } catch (err) {
    return { error: err instanceof TimeoutError ? `timeout: ${err.message}` : `request failed: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/**
 * Learns the catalog's names for searches and sends each operation once, unmeasured: a wrong
 * document or an unusable account fails here, at once, instead of as a run of errors.
 */
async function preflight(client: KeepAliveGraphQLClient, target: MixedTarget, timeoutMs: number): Promise<ActionContext> {
  const shopper = target.shoppers[0];
  const catalog = await client.post<{ products: { nodes: { name: string }[] } }>(`query { products(first: 50) { nodes { name } } }`, {}, shopper.token);
  const names = catalog.data?.products.nodes.map((p) => p.name) ?? [];
  if (!names.length) throw new Error(`the catalog is empty or unreadable: ${catalog.errors ? errorText(catalog) : 'no products'}`);
  const ctx: ActionContext = { cardId: shopper.cardId, productIds: target.productIds, searchTerms: searchTermsFrom(names) };
  for (const operation of Object.keys(DOCUMENTS) as MixedOperation[]) {
    const { error } = await perform(client, buildAction(operation, ctx), shopper.token, timeoutMs);
    if (error) throw new Error(`preflight ${operation} failed: ${error}`);
  }
  return ctx;
}

/** Runs the mixed workload against `target` and returns what each operation and the subscribers saw. */
export async function runMixedWorkload(target: MixedTarget, opts: MixedOptions, log: (line: string) => void = () => {}): Promise<MixedResult> {
  const { users, seconds, thinkMs, subscribeShare } = opts;
  const warmupSeconds = opts.warmupSeconds ?? 0;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!(users > 0) || !(seconds > 0) || !(thinkMs > 0) || !(subscribeShare >= 0 && subscribeShare <= 1) || !(warmupSeconds >= 0)) {
    throw new Error('users, seconds and thinkMs must be positive, warmupSeconds zero or more, subscribeShare within 0…1');
  }
  if (!target.shoppers.length || !target.productIds.length) throw new Error('the target needs at least one shopper and one product');

  const client = new KeepAliveGraphQLClient(target.gatewayUrl);
  const tally = new ErrorTally();
  const subscribers = new MixedSubscribers(target.gatewayUrl.replace(/^http/, 'ws'), (m) => tally.note(m));
  try {
    const catalog = await preflight(client, target, timeoutMs);
    const shopperOf = (user: number) => user % target.shoppers.length;

    // Users 0…n-1 subscribe: consecutive users are different shoppers, so subscribers spread over accounts.
    const wanted = Math.round(users * subscribeShare);
    if (wanted) {
      const t0 = performance.now();
      await subscribers.open(Array.from({ length: wanted }, (_, u) => target.shoppers[shopperOf(u)].token));
      log(`${subscribers.opened} of ${wanted} subscriptions open in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    const subscribedShoppers = new Set(Array.from({ length: wanted }, (_, u) => shopperOf(u)));

    const latencies = Object.fromEntries(MIX.map((m) => [m.operation, [] as number[]])) as Record<MixedOperation, number[]>;
    const errors = Object.fromEntries(MIX.map((m) => [m.operation, 0])) as Record<MixedOperation, number>;
    const placed: { orderId: string; due: number }[] = [];
    const pending = new Set<Promise<void>>();
    let sent = 0;
    let done = 0;
    let errorCount = 0;
    let maxSendLagMs = 0;

    const fire = (user: number, due: number) => {
      const shopperIndex = shopperOf(user);
      const shopper = target.shoppers[shopperIndex];
      const action = buildAction(operationFor(Math.random()), { ...catalog, cardId: shopper.cardId });
      const measured = due >= measureFrom;
      if (measured) sent++;
      const call = perform(client, action, shopper.token, timeoutMs).then(({ error, data }) => {
        if (!measured) return;
        latencies[action.operation].push(performance.now() - due);
        done++;
        if (error) {
          errors[action.operation]++;
          errorCount++;
          tally.note(`${action.operation}: ${error}`);
        } else if (action.operation === 'placeOrder' && subscribedShoppers.has(shopperIndex)) {
          placed.push({ orderId: data.placeOrder.id, due });
        }
      });
      pending.add(call);
      void call.finally(() => pending.delete(call));
    };

    const arrivalRatePerSecond = users / (thinkMs / 1000);
    log(
      `load: ${users} users, think ${thinkMs} ms (mean) → ${arrivalRatePerSecond.toFixed(1)} actions/s, ` +
        `${warmupSeconds ? `${warmupSeconds} s of warm-up then ` : ''}${seconds} s measured, ${wanted} subscribers`,
    );
    const start = performance.now();
    const measureFrom = start + warmupSeconds * 1000;
    const end = measureFrom + seconds * 1000;
    // The fetch counts cover the measured window only.
    const fetchesWatch = sleep(Math.max(0, measureFrom - performance.now())).then(() => watchSubgraphFetches(target.gatewayUrl));
    const progress = setInterval(() => {
      const t = ((performance.now() - measureFrom) / 1000).toFixed(0);
      log(`t=${t}s  sent ${sent}  answered ${done}  in flight ${sent - done}  errors ${errorCount}  subscriptions ${subscribers.held}  events ${subscribers.events}`);
    }, (opts.progressEverySeconds ?? 5) * 1000);

    const user = async (u: number) => {
      // Memoryless: the first action of a user already in the middle of a session is as far off as any other.
      for (let due = start + exponential(thinkMs); due < end; due += exponential(thinkMs)) {
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        maxSendLagMs = Math.max(maxSendLagMs, performance.now() - due);
        fire(u, due);
      }
    };
    try {
      await Promise.all(Array.from({ length: users }, (_, u) => user(u)));
      log(`all ${sent} actions sent; waiting for ${sent - done} answers`);
      await Promise.all(pending);
      // The pushes of the last orders are still on their way; wait for them, bounded.
      const settleBy = performance.now() + PUSH_SETTLE_MS;
      while (wanted && performance.now() < settleBy && placed.some((p) => !subscribers.firstSeen(p.orderId, 'PAID'))) await sleep(50);
    } finally {
      clearInterval(progress);
    }

    const fetches = await fetchesWatch;
    const toPaid = placed.flatMap((p) => {
      const at = subscribers.firstSeen(p.orderId, 'PAID');
      return at === undefined ? [] : [at - p.due];
    });
    const result: MixedResult = {
      users,
      seconds,
      warmupSeconds,
      thinkMs,
      arrivalRatePerSecond,
      achievedRatePerSecond: sent / seconds,
      maxSendLagMs: Math.round(maxSendLagMs * 10) / 10,
      mix: Object.fromEntries(MIX.map((m) => [m.operation, m.share])) as Record<MixedOperation, number>,
      operations: Object.fromEntries(MIX.map((m) => [m.operation, { ...summarize(latencies[m.operation]), errors: errors[m.operation] }])) as Record<MixedOperation, OperationStats>,
      subscriptions: {
        wanted,
        opened: subscribers.opened,
        held: subscribers.held,
        eventsReceived: subscribers.events,
        errors: subscribers.errors,
        placementToPaidPushed: { ...summarize(toPaid), missing: placed.length - toPaid.length },
      },
      subgraphFetches: (await fetches?.stop()) ?? null,
      errorSamples: tally.top(10),
    };
    return result;
  } finally {
    await subscribers.close();
    client.close();
  }
}
