import { randomBytes } from 'node:crypto';
import { generateJwtKeyPair } from '../auth/jwt.js';
import { envName, SUBGRAPH_NAMES, type Env, type SubgraphName } from '../config.js';
import { dropDatabase } from '../db/database.js';
import { migrate } from '../db/orm.js';
import type { SubgraphApp } from '../subgraph/subgraph-app.js';
import { EventBus } from '../events/bus.js';
import { createLogger } from '../logger.js';
import { subgraphModules } from '../../subgraphs/index.js';
import { createGatewayApp, type GatewayApp } from '../../gateway/src/app.js';
import { loadGatewayConfig } from '../../gateway/src/config.js';
import { bearer, postGraphQL, type GraphQLResponse } from './graphql-client.js';
import { newRunId, testDatabaseUrl, TEST_SERVER_URL } from './test-databases.js';

export interface TestStack {
  env: Env;
  /** A connection to this run's streams, for tests that publish or inspect events directly. */
  bus: EventBus;
  gatewayUrl: string;
  subgraphs: Record<SubgraphName, SubgraphApp & { url: string }>;
  gateway: GatewayApp;
  admin: { email: string; password: string };
  /** POSTs an operation to the gateway, as `token`'s owner when given. */
  query<D = any>(query: string, variables?: Record<string, unknown>, token?: string): Promise<GraphQLResponse<D>>;
  /** Registers a customer through the gateway and returns its token and id. */
  registerCustomer(name?: string): Promise<{ token: string; id: string; email: string }>;
  adminToken(): Promise<string>;
  /** Total SQL statements sent by all subgraphs since the last `resetSqlCounts`. */
  sqlCounts(): Record<SubgraphName, number>;
  resetSqlCounts(): void;
  stop(): Promise<void>;
}

/**
 * Starts every subgraph and the gateway in this process on free ports, each subgraph on a fresh
 * database of its own on the real Postgres, migrated. `stop()` closes them and drops the databases.
 */
export async function startStack(extraEnv: Env = {}): Promise<TestStack> {
  const runId = newRunId();
  const keys = await generateJwtKeyPair();
  const admin = { email: `admin-${runId}@example.test`, password: randomBytes(12).toString('hex') };
  const env: Env = {
    DATABASE_URL: TEST_SERVER_URL,
    NATS_URL: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    JWT_PRIVATE_KEY: keys.privateKeyPem,
    JWT_PUBLIC_KEY: keys.publicKeyPem,
    ADMIN_EMAIL: admin.email,
    ADMIN_PASSWORD: admin.password,
    GATEWAY_PORT: '0',
    // Test files run side by side against one PostgreSQL (max_connections 100 by default).
    DB_POOL_MAX: '4',
    // Each run has its own subjects and streams, so runs never see each other's events.
    EVENTS_PREFIX: runId,
    EVENT_RETRY_BACKOFF_MS: '50,100,200',
    PAYMENT_RETRY_DELAYS_MS: '5,10,20',
    // These tests check outcomes, not latency: 200 placements at once on two cores may take longer
    // than the production timeout. test/faults/ tests the timeout itself.
    GATEWAY_SUBGRAPH_TIMEOUT_MS: '30000',
    // Email goes nowhere unless a test brings its own SMTP server: never into a developer's catcher.
    SMTP_URL: 'smtp://127.0.0.1:1',
    // Every test client is 127.0.0.1, and suites register hundreds of customers and place thousands
    // of orders: the budgets are out of reach here; test/rate-limits.e2e.test.ts sets its own.
    GATEWAY_RATE_LIMIT: '1000000000/1',
    GATEWAY_RATE_LIMIT_LOGIN: '1000000000/1',
    GATEWAY_RATE_LIMIT_LOGIN_EMAIL: '1000000000/1',
    GATEWAY_RATE_LIMIT_REGISTER: '1000000000/1',
    ...Object.fromEntries(
      SUBGRAPH_NAMES.flatMap((n) => [
        [envName(n, 'DATABASE_URL'), testDatabaseUrl(n, runId)],
        [envName(n, 'PORT'), '0'],
        [envName(n, 'GATEWAY_SECRET'), randomBytes(24).toString('hex')],
      ]),
    ),
    ...extraEnv,
  };

  const subgraphs = {} as TestStack['subgraphs'];
  let gateway: GatewayApp | undefined;
  const bus = await EventBus.connect({ url: env.NATS_URL!, prefix: runId, name: `test-${runId}`, logger: createLogger('test', 'silent') });
  const stop = async () => {
    await gateway?.stop();
    await Promise.all(Object.values(subgraphs).map((s) => s.stop()));
    await Promise.all(SUBGRAPH_NAMES.map((n) => dropDatabase(env[envName(n, 'DATABASE_URL')]!)));
    await bus.deleteStreams();
    await bus.close();
  };

  try {
    for (const name of SUBGRAPH_NAMES) {
      const mod = subgraphModules[name];
      if (!mod) throw new Error(`subgraph ${name} is not registered`);
      const app = await mod.createApp(mod.loadConfig(env));
      await migrate(app.db.orm);
      const port = await app.start();
      subgraphs[name] = Object.assign(app, { url: `http://127.0.0.1:${port}/graphql` });
      env[envName(name, 'URL')] = subgraphs[name].url;
    }
    gateway = await createGatewayApp(loadGatewayConfig(env));
    const port = await gateway.start();
    const gatewayUrl = `http://127.0.0.1:${port}/graphql`;

    const query: TestStack['query'] = (q, variables, token) => postGraphQL(gatewayUrl, q, variables, bearer(token));
    let adminToken: string | undefined;
    return {
      env,
      bus,
      gatewayUrl,
      subgraphs,
      gateway,
      admin,
      query,
      async registerCustomer(name = 'Test Customer') {
        const email = `c-${randomBytes(6).toString('hex')}@example.test`;
        const res = await query(
          `mutation($input: RegisterCustomerInput!) { registerCustomer(input: $input) { token customer { id } } }`,
          { input: { email, name, password: 'correct horse battery' } },
        );
        if (!res.data) throw new Error(`registerCustomer failed: ${JSON.stringify(res.errors)}`);
        return { token: res.data.registerCustomer.token, id: res.data.registerCustomer.customer.id, email };
      },
      async adminToken() {
        if (adminToken) return adminToken;
        const res = await query(`mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }`, { e: admin.email, p: admin.password });
        if (!res.data) throw new Error(`admin login failed: ${JSON.stringify(res.errors)}`);
        adminToken = res.data.login.token as string;
        return adminToken;
      },
      sqlCounts() {
        return Object.fromEntries(SUBGRAPH_NAMES.map((n) => [n, subgraphs[n].db.sql.count])) as Record<SubgraphName, number>;
      },
      resetSqlCounts() {
        for (const n of SUBGRAPH_NAMES) subgraphs[n].db.sql.reset();
      },
      stop,
    };
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }
}
