import { setTimeout as sleep } from 'node:timers/promises';
import { checkScenario, takeBaseline, type CheckReport } from './checker.js';
import type { FaultCluster } from './cluster.js';
import { createProducts, OrderFlow, type PlacedOrder, type Product, type Shopper } from './load.js';

/** What a scenario's fault sees: the cluster, the running load, and a clock from the load's start. */
export interface ScenarioContext {
  cluster: FaultCluster;
  shoppers: Shopper[];
  adminToken: string;
  products: Product[];
  flow: OrderFlow;
  /** Resolves `ms` after the load started. */
  at(ms: number): Promise<void>;
  /** A figure for the results table ("NATS down 3.0 s"). */
  note(text: string): void;
  /** Orders the fault placed itself (a poison order), checked with the load's. */
  extraOrders: PlacedOrder[];
  /** When the fault ended; defaults to when `inject` resolved. */
  healedAt?: number;
}

export interface Scenario {
  id: number;
  title: string;
  /** How long orders flow (10 s unless told). */
  durationMs?: number;
  /** Dead letters the scenario puts there on purpose. */
  expectedDeadLetters?: number;
  /** Before the load starts (start replicas, open subscriptions, plant a trigger). */
  setup?(ctx: ScenarioContext): Promise<void>;
  /** Called once placeOrder answered with an order's id (scenario 7 subscribes to it). */
  onPlaced?(ctx: ScenarioContext, order: PlacedOrder): void;
  /** Breaks something while orders flow and heals it; resolves once it is healed. */
  inject(ctx: ScenarioContext): Promise<void>;
  /** After the checker: the scenario's own assertions (figures noted); returns what failed, in words. */
  verify?(ctx: ScenarioContext, report: CheckReport): Promise<string[]>;
  /** Always, at the end: undo what setup did. */
  teardown?(ctx: ScenarioContext): Promise<void>;
}

export interface ScenarioResult {
  scenario: Scenario;
  report: CheckReport;
  notes: string[];
  /** Orders whose placement needed a retry (the client saw the fault). */
  retried: number;
}

/** Stock of each scenario's products: three plentiful, one scarce so some orders fail OUT_OF_STOCK. */
const STOCKS = [100_000, 100_000, 100_000, 40];
/** Orders per second, spread over every gateway the cluster runs. */
export const RATE_PER_SECOND = 20;
/** Every order final, and every invariant holding, within this once the fault is over. */
export const BOUND_MS = 60_000;

/** Runs one scenario from fresh products to the checker's report; a broken invariant is in `report.problems`. */
export async function runScenario(cluster: FaultCluster, shoppers: Shopper[], adminToken: string, scenario: Scenario): Promise<ScenarioResult> {
  const notes: string[] = [];
  const restarted = await cluster.ensureRunning();
  if (restarted.length) cluster.log.line('harness', `restarted before scenario ${scenario.id}: ${restarted.join(', ')}`);
  cluster.takeCrashes();
  const products = await createProducts(cluster, adminToken, STOCKS);
  let started = 0;
  const ctx: ScenarioContext = {
    cluster,
    shoppers,
    adminToken,
    products,
    flow: new OrderFlow({
      gatewayUrls: cluster.gateways.map((g) => g.url),
      shoppers,
      products,
      ratePerSecond: RATE_PER_SECOND,
      cancelShare: 0.05,
      onPlaced: scenario.onPlaced && ((order) => scenario.onPlaced!(ctx, order)),
    }),
    at: (ms) => sleep(Math.max(0, started + ms - Date.now())),
    note: (text) => {
      notes.push(text);
      cluster.log.line('harness', `scenario ${scenario.id}: ${text}`);
    },
    extraOrders: [],
  };
  cluster.log.line('harness', `scenario ${scenario.id} (${scenario.title}) starts`);
  try {
    await scenario.setup?.(ctx);
    // Gateways the setup started (scenario 5) take orders too.
    ctx.flow.useGateways(cluster.gateways.map((g) => g.url));
    const baseline = await takeBaseline(cluster);
    ctx.flow.start();
    started = Date.now();
    let lastAnswer = 0;
    await Promise.all([
      scenario.inject(ctx).then(() => (ctx.healedAt ??= Date.now())),
      ctx.at(scenario.durationMs ?? 10_000)
        .then(() => ctx.flow.stop())
        .then(() => (lastAnswer = Date.now())),
    ]);
    const report = await checkScenario(cluster, {
      orders: [...ctx.flow.orders, ...ctx.extraOrders],
      products,
      expectedDeadLetters: scenario.expectedDeadLetters ?? 0,
      baseline,
      // Recovery counts once the fault is over and the last placement was answered, so scenarios compare.
      healedAt: Math.max(ctx.healedAt!, lastAnswer),
      boundMs: BOUND_MS,
    });
    if (ctx.flow.failures.size) ctx.note(`placeOrder failures answered: ${[...ctx.flow.failures].map(([k, n]) => `${k} ×${n}`).join(', ')}`);
    report.problems.push(...((await scenario.verify?.(ctx, report)) ?? []));
    const result = { scenario, report, notes, retried: ctx.flow.retried };
    const line = describeResult(result);
    console.log(line);
    cluster.log.line('harness', line);
    return result;
  } finally {
    await ctx.flow.stop();
    await scenario.teardown?.(ctx);
  }
}

export const seconds = (ms: number | null): string => (ms === null ? 'never' : `${(ms / 1000).toFixed(1)} s`);

/** The checker's counts in one line, as the issue asks them printed. */
export function describeResult({ scenario, report: r, notes, retried }: ScenarioResult): string {
  return [
    `scenario ${scenario.id} (${scenario.title}):`,
    `orders placed ${r.placed} of ${r.attempted};`,
    `final PAID ${r.final.PAID} / FAILED ${r.final.FAILED} / CANCELLED ${r.final.CANCELLED};`,
    `lost ${r.lost}, duplicated effects ${r.duplicated}, stuck ${r.stuck};`,
    `dead letters ${r.deadLetters}; placements retried ${retried};`,
    `recovery time ${seconds(r.recoveryMs)} (settled ${seconds(r.settledMs)})`,
    notes.length ? `— ${notes.join('; ')}` : '',
    r.problems.length ? `\n  PROBLEMS: ${r.problems.join('\n  ')}` : '',
  ].join(' ');
}
