import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { FaultCluster } from './cluster.js';
import { adminToken, registerShoppers, type Shopper } from './load.js';
import { writeResults } from './results.js';
import { runScenario, type ScenarioResult } from './scenario.js';
import { SCENARIOS } from './scenarios/index.js';

/**
 * Jepsen-style: orders flow at a steady rate through the gateway while each scenario breaks
 * something (NATS, Postgres sessions, a process between commit and publish, a hung subgraph, a
 * poison event, subscribers), then the checker counts what was lost, duplicated or left stuck.
 * One cluster of child processes serves every scenario; each scenario has its own products and
 * checks only its own orders.
 */
describe.sequential('faults while orders flow', () => {
  let cluster: FaultCluster;
  let shoppers: Shopper[];
  let admin: string;
  const results: ScenarioResult[] = [];

  beforeAll(async () => {
    cluster = await FaultCluster.start();
    console.log(`fault suite: services log to ${cluster.log.path}`);
    admin = await adminToken(cluster);
    // Every eighth shopper's card is declined, so FAILED orders flow too.
    shoppers = await registerShoppers(cluster, 24, 8);
  });

  afterAll(async () => {
    if (results.length) await writeResults(results);
    await cluster?.stop();
  });

  for (const scenario of SCENARIOS) {
    it(`${scenario.id}. ${scenario.title}`, async () => {
      onTestFailed(() => console.error(`scenario ${scenario.id} failed; the services' output is in ${cluster.log.path}`));
      const result = await runScenario(cluster, shoppers, admin, scenario);
      results.push(result);
      expect(result.report.problems).toEqual([]);
      expect({ lost: result.report.lost, duplicated: result.report.duplicated, stuck: result.report.stuck }).toEqual({ lost: 0, duplicated: 0, stuck: 0 });
      expect(result.report.recoveryMs).not.toBeNull();
    });
  }
});
