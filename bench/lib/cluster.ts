import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { generateJwtKeyPair } from '../../lib/auth/jwt.js';
import { envName, SUBGRAPH_NAMES, type SubgraphName } from '../../lib/config.js';
import { EventBus } from '../../lib/events/bus.js';
import { createLogger } from '../../lib/logger.js';
import { bearer, postGraphQL, type GraphQLResponse } from '../../lib/testing/graphql-client.js';
import { REPO_ROOT } from '../../lib/graphql/load-schema.js';
import type { ShopBackend } from '../../lib/testing/shop.js';
import { dropAll, migrateAll } from '../../lib/testing/subgraph-databases.js';
import { newRunId, overUnixSocket, testDatabaseUrl, TEST_SERVER_URL } from '../../lib/testing/test-databases.js';
import { answers200, freePort, ManagedProcess, RunLog, tsxService } from '../../test/faults/processes.js';
import type { ProbeCounters, ProbeHeap } from './service-probe.js';

/** A process of the cluster and where it serves GraphQL. */
export interface Endpoint {
  name: string;
  url: string;
  process: ManagedProcess;
  /** With `probe`: where bench/lib/service-probe.ts answers in that process. */
  probeUrl?: string;
}

export interface ClusterOptions {
  /** A second set of the four subgraphs with `LOADERS_BATCH=false`, and a gateway in front of it. */
  unbatched?: boolean;
  /** `@graphql-hive/gateway` serving the same supergraph over the same (batched) subgraphs. */
  hive?: boolean;
  /** Also a gateway of ours, and a Hive one if `hive`, without in-flight deduplication. */
  plain?: boolean;
  /** Settings for every service on top of the cluster's own. */
  env?: Record<string, string>;
  /**
   * Every service (and the harness's own pools) reaches Postgres over its Unix socket
   * (lib/testing/test-databases.ts `overUnixSocket`) instead of TCP to 127.0.0.1.
   */
  socket?: boolean;
  /**
   * Loads bench/lib/service-probe.ts into every service: SQL statement and transaction counts
   * (subgraphs), main-thread CPU, event-loop use and CPU profiles on request (`probe()`, `profile()`).
   */
  probe?: boolean;
}

/** Applied to the harness's own connections, so that counts of the services' connections leave them out. */
const HARNESS_APPLICATION_NAME = 'bench-harness';

/**
 * Every child gets these: production mode (as deployed; libraries such as graphql-js skip their
 * development checks), quiet logs, pools sized for a benchmark, and no rate limits, since all
 * the load comes from 127.0.0.1.
 */
const SERVICE_SETTINGS: Record<string, string> = {
  NODE_ENV: 'production',
  // The harness makes this run's databases; production otherwise expects them to exist.
  DB_CREATE: 'true',
  LOG_LEVEL: 'warn',
  DB_POOL_MAX: '10',
  GATEWAY_RATE_LIMIT: '1000000000/1',
  GATEWAY_RATE_LIMIT_LOGIN: '1000000000/1',
  GATEWAY_RATE_LIMIT_LOGIN_EMAIL: '1000000000/1',
  GATEWAY_RATE_LIMIT_REGISTER: '1000000000/1',
  PAYMENT_RETRY_DELAYS_MS: '5,10,20',
  APOLLO_TELEMETRY_DISABLED: 'true',
};

/** The cluster's mail server (bench/lib/smtp-sink.ts): real SMTP, every mail accepted, counted and dropped. */
export interface SmtpSink {
  process: ManagedProcess;
  smtpUrl: string;
  webUrl: string;
}

/**
 * Starts the mail server as a child: production's relay accepts mail, so the notification service
 * sends each once, where an unreachable one would have it retry every mail for ever (CPU and SQL
 * production would not spend).
 */
async function startSmtpSink(log: RunLog): Promise<SmtpSink> {
  const [smtpPort, httpPort] = [await freePort(), await freePort()];
  const webUrl = `http://127.0.0.1:${httpPort}`;
  const proc = new ManagedProcess(
    {
      name: 'smtp-sink',
      command: process.execPath,
      args: ['--import', 'tsx', 'bench/lib/smtp-sink.ts'],
      cwd: REPO_ROOT,
      env: { ...process.env, SMTP_SINK_SMTP_PORT: String(smtpPort), SMTP_SINK_HTTP_PORT: String(httpPort) },
      ready: () => answers200(`${webUrl}/messages`),
      readyTimeoutMs: 30_000,
    },
    log,
  );
  await proc.start();
  return { process: proc, smtpUrl: `smtp://127.0.0.1:${smtpPort}`, webUrl };
}

/**
 * The supergraph as production runs it: each subgraph and each gateway a process of its own (so
 * both cores are used, and the load generator in this process does not share an event loop with
 * what it measures), on fresh databases (`t_<epoch>_<random>_<name>`) and this run's own NATS
 * subjects on the machine's NATS, and a local SMTP server that accepts (and drops) every mail.
 * Every child's output goes to one log file.
 */
export class BenchCluster implements ShopBackend {
  readonly subgraphs = {} as Record<SubgraphName, Endpoint>;
  readonly unbatchedSubgraphs = {} as Record<SubgraphName, Endpoint>;
  /**
   * `ours` and `hive` run with their defaults, which share identical subgraph queries in flight;
   * `oursPlain`, `hivePlain` and `unbatched` have that off, so every client request costs the
   * subgraphs a full request (like-for-like comparisons, and the cost of federation).
   */
  readonly gateways: { ours?: Endpoint; oursPlain?: Endpoint; unbatched?: Endpoint; hive?: Endpoint; hivePlain?: Endpoint } = {};
  readonly bus: EventBus;
  private readonly pools = new Map<SubgraphName, pg.Pool>();
  private adminTokenValue: string | undefined;

  private constructor(
    readonly runId: string,
    readonly log: RunLog,
    readonly env: Record<string, string>,
    readonly admin: { email: string; password: string },
    bus: EventBus,
    readonly options: ClusterOptions,
    readonly smtpSink: SmtpSink,
  ) {
    this.bus = bus;
  }

  static async start(opts: ClusterOptions = {}, note: (line: string) => void = () => {}): Promise<BenchCluster> {
    const runId = newRunId();
    const serverUrl = opts.socket ? overUnixSocket(TEST_SERVER_URL) : TEST_SERVER_URL;
    const log = new RunLog(join(tmpdir(), `commerce-bench-${runId}.log`));
    const keys = await generateJwtKeyPair();
    const admin = { email: `admin-${runId}@example.test`, password: randomBytes(12).toString('hex') };
    // One secret for all subgraphs: the Hive peer is given the same per-subgraph settings anyway.
    const env: Record<string, string> = {
      ...SERVICE_SETTINGS,
      DATABASE_URL: serverUrl,
      NATS_URL: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
      EVENTS_PREFIX: runId,
      JWT_PRIVATE_KEY: keys.privateKeyPem,
      JWT_PUBLIC_KEY: keys.publicKeyPem,
      ADMIN_EMAIL: admin.email,
      ADMIN_PASSWORD: admin.password,
      ...opts.env,
      ...Object.fromEntries(
        SUBGRAPH_NAMES.flatMap((n) => [
          [envName(n, 'DATABASE_URL'), testDatabaseUrl(n, runId, serverUrl)],
          [envName(n, 'GATEWAY_SECRET'), randomBytes(24).toString('hex')],
        ]),
      ),
    };
    note(`run ${runId}: databases t_… over ${opts.socket ? `the Unix socket (${new URL(serverUrl).hostname})` : 'TCP'}, NATS prefix ${runId}, service logs in ${log.path}`);
    const smtpSink = await startSmtpSink(log);
    env.SMTP_URL ??= smtpSink.smtpUrl;
    let bus: EventBus;
    try {
      await migrateAll(env);
      bus = await EventBus.connect({ url: env.NATS_URL, prefix: runId, name: `bench-${runId}`, logger: createLogger('bench', 'silent') });
    } catch (err) {
      await smtpSink.process.stop();
      await dropAll(env).catch(() => undefined);
      await log.close();
      throw err;
    }
    const cluster = new BenchCluster(runId, log, env, admin, bus, opts, smtpSink);
    try {
      // The two sets of subgraphs in parallel, then every gateway in parallel (gateways wait for their subgraphs' readiness).
      await allStarted([
        cluster.startSubgraphs(cluster.subgraphs, '', {}),
        opts.unbatched && cluster.startSubgraphs(cluster.unbatchedSubgraphs, '-unbatched', { LOADERS_BATCH: 'false' }),
      ]);
      const { gateways } = cluster;
      const noDedupe = { GATEWAY_DEDUPLICATE_QUERIES: 'false' };
      await allStarted([
        cluster.startGateway('gateway', cluster.subgraphs, {}).then((g) => (gateways.ours = g)),
        opts.plain && cluster.startGateway('gateway-plain', cluster.subgraphs, noDedupe).then((g) => (gateways.oursPlain = g)),
        opts.unbatched && cluster.startGateway('gateway-unbatched', cluster.unbatchedSubgraphs, noDedupe).then((g) => (gateways.unbatched = g)),
        opts.hive && cluster.startHive('hive-gateway', {}).then((g) => (gateways.hive = g)),
        opts.hive && opts.plain && cluster.startHive('hive-gateway-plain', { HIVE_DEDUPLICATE: 'false' }).then((g) => (gateways.hivePlain = g)),
      ]);
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  get gatewayUrl(): string {
    return this.gateways.ours!.url;
  }

  /** The secret a subgraph expects from its callers: the benchmark calls subgraphs directly, as the gateway does. */
  subgraphSecret(name: SubgraphName): string {
    return this.env[envName(name, 'GATEWAY_SECRET')];
  }

  query<D = any>(query: string, variables?: Record<string, unknown>, token?: string): Promise<GraphQLResponse<D>> {
    return postGraphQL<D>(this.gatewayUrl, query, variables, bearer(token));
  }

  async registerCustomer(name = 'Bench Customer') {
    const email = `c-${randomBytes(6).toString('hex')}@example.test`;
    const res = await this.query(
      `mutation($input: RegisterCustomerInput!) { registerCustomer(input: $input) { token customer { id } } }`,
      { input: { email, name, password: 'correct horse battery' } },
    );
    if (!res.data) throw new Error(`registerCustomer failed: ${JSON.stringify(res.errors)}`);
    return { token: res.data.registerCustomer.token as string, id: res.data.registerCustomer.customer.id as string, email };
  }

  async adminToken(): Promise<string> {
    if (this.adminTokenValue) return this.adminTokenValue;
    const res = await this.query(`mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }`, { e: this.admin.email, p: this.admin.password });
    if (!res.data) throw new Error(`admin login failed: ${JSON.stringify(res.errors)}`);
    this.adminTokenValue = res.data.login.token as string;
    return this.adminTokenValue;
  }

  /** Whether the order service has learned of a product's price or a customer's card (from events). */
  async orderServiceKnows(kind: 'price' | 'card', id: string): Promise<boolean> {
    const table = kind === 'price' ? 'product_prices' : 'payment_method_refs';
    const column = kind === 'price' ? 'product_id' : 'id';
    const { rowCount } = await this.db('order').query(`select 1 from ${table} where ${column} = $1`, [id]);
    return (rowCount ?? 0) > 0;
  }

  /** A small pool of the harness's own on a subgraph's database (same transport as the services), for reading state. */
  db(name: SubgraphName): pg.Pool {
    let pool = this.pools.get(name);
    if (!pool) {
      pool = new pg.Pool({ connectionString: this.env[envName(name, 'DATABASE_URL')], max: 2, application_name: HARNESS_APPLICATION_NAME });
      this.pools.set(name, pool);
    }
    return pool;
  }

  /**
   * The services' open connections to this run's databases by transport, as Postgres sees them
   * (pg_stat_activity: a Unix-socket client has no address and port -1); the harness's own left out.
   */
  async postgresConnections(): Promise<{ unixSocket: number; tcp: number }> {
    const { rows } = await this.db('order').query<{ unix: boolean; n: string }>(
      `select client_port = -1 as unix, count(*) as n from pg_stat_activity where datname like $1 and application_name <> $2 group by 1`,
      [`${this.runId}\_%`, HARNESS_APPLICATION_NAME],
    );
    return { unixSocket: Number(rows.find((r) => r.unix)?.n ?? 0), tcp: Number(rows.find((r) => !r.unix)?.n ?? 0) };
  }

  /** The counters of one service's probe (`probe: true`). */
  async probe(e: Endpoint): Promise<ProbeCounters> {
    if (!e.probeUrl) throw new Error(`${e.name} runs without the probe: start the cluster with probe: true`);
    const res = await fetch(e.probeUrl);
    if (!res.ok) throw new Error(`${e.name}'s probe answered ${res.status}`);
    return (await res.json()) as ProbeCounters;
  }

  /** SQL statements each subgraph has sent while serving GraphQL requests, so far (`probe: true`). */
  async requestSql(): Promise<Record<SubgraphName, number>> {
    const counts = await Promise.all(SUBGRAPH_NAMES.map(async (n) => (await this.probe(this.subgraphs[n])).requestStatements ?? 0));
    return Object.fromEntries(SUBGRAPH_NAMES.map((n, i) => [n, counts[i]])) as Record<SubgraphName, number>;
  }

  /** One service's heap and RSS after a forced full GC (`probe: true`; probed services run with --expose-gc). */
  async heap(e: Endpoint): Promise<ProbeHeap> {
    if (!e.probeUrl) throw new Error(`${e.name} runs without the probe: start the cluster with probe: true`);
    const res = await fetch(new URL('/heap', e.probeUrl));
    if (!res.ok) throw new Error(`${e.name}'s probe answered ${res.status} for /heap`);
    return (await res.json()) as ProbeHeap;
  }

  /** Mails the SMTP sink has accepted so far (from every service; the notification service sends them). */
  async mailsAccepted(): Promise<number> {
    const res = await fetch(new URL('/messages', this.smtpSink.webUrl));
    if (!res.ok) throw new Error(`the SMTP sink answered ${res.status}`);
    // Newest first, and ids count every mail ever accepted (the sink keeps only the newest few).
    return ((await res.json()) as { id: number }[])[0]?.id ?? 0;
  }

  /** Starts a CPU profile in every probed process; the function returned stops them, writing `<dir>/<name>.cpuprofile`. */
  async profile(dir: string): Promise<() => Promise<string[]>> {
    const probed = this.processes().filter((e) => e.probeUrl && e.process.running);
    const call = async (url: string) => {
      const res = await fetch(url, { method: 'POST' });
      if (!res.ok) throw new Error(`${url} answered ${res.status}: ${await res.text()}`);
    };
    await Promise.all(probed.map((e) => call(new URL('/profile/start', e.probeUrl).href)));
    return async () => {
      const paths = probed.map((e) => join(dir, `${e.name}.cpuprofile`));
      await Promise.all(probed.map((e, i) => call(`${new URL('/profile/stop', e.probeUrl).href}?path=${encodeURIComponent(paths[i])}`)));
      return paths;
    };
  }

  /** Every service process of the cluster (not the SMTP sink, which stands for a relay outside), for CPU accounting. */
  processes(): Endpoint[] {
    return [...Object.values(this.subgraphs), ...Object.values(this.unbatchedSubgraphs), ...Object.values(this.gateways).filter((g): g is Endpoint => !!g)];
  }

  /**
   * Stops everything but the four subgraphs and our default gateway, so a scenario that models
   * production traffic does not share the machine with idle comparison processes and their polls.
   */
  async stopComparisonProcesses(): Promise<void> {
    const { ours, ...others } = this.gateways;
    const extra = [...Object.values(others), ...Object.values(this.unbatchedSubgraphs)].filter((e): e is Endpoint => !!e);
    await Promise.all(extra.map((e) => e.process.stop()));
  }

  async stop(): Promise<void> {
    const children = this.processes().map((e) => e.process);
    await Promise.all([...children, this.smtpSink.process].map((p) => p.stop().catch(() => p.kill())));
    await Promise.all([...this.pools.values()].map((p) => p.end().catch(() => undefined)));
    await this.bus.deleteStreams().catch(() => undefined);
    await this.bus.close().catch(() => undefined);
    await dropAll(this.env);
    await this.log.close();
  }

  private async startSubgraphs(into: Record<SubgraphName, Endpoint>, suffix: string, extra: Record<string, string>): Promise<void> {
    await allStarted(
      SUBGRAPH_NAMES.map(async (n) => {
        const port = await freePort();
        into[n] = await this.startService(`${n}${suffix}`, `subgraphs/${n}/src/main.ts`, port, `/ready`, { [envName(n, 'PORT')]: String(port), BENCH_PROBE_SQL: '1', ...extra });
      }),
    );
  }

  private async startGateway(name: string, routes: Record<SubgraphName, Endpoint>, extra: Record<string, string>): Promise<Endpoint> {
    const port = await freePort();
    const urls = Object.fromEntries(SUBGRAPH_NAMES.map((n) => [envName(n, 'URL'), routes[n].url]));
    return this.startService(name, 'gateway/src/main.ts', port, '/ready', { GATEWAY_PORT: String(port), ...urls, ...extra });
  }

  private async startHive(name: string, extra: Record<string, string>): Promise<Endpoint> {
    const port = await freePort();
    const urls = Object.fromEntries(SUBGRAPH_NAMES.map((n) => [envName(n, 'URL'), this.subgraphs[n].url]));
    return this.startService(name, 'bench/peers/hive-gateway.ts', port, '/readiness', { HIVE_GATEWAY_PORT: String(port), ...urls, ...extra });
  }

  private async startService(name: string, main: string, port: number, readyPath: string, env: Record<string, string>): Promise<Endpoint> {
    const spec = { name, main, port, readyPath, env: { ...process.env, ...this.env, ...env }, readyTimeoutMs: 120_000 };
    if (!this.options.probe) {
      const proc = tsxService(spec, this.log);
      await proc.start();
      return { name, url: `http://127.0.0.1:${port}/graphql`, process: proc };
    }
    // tsxService's command with the probe loaded after tsx (so it may be TypeScript) and before the service.
    const probePort = await freePort();
    const proc = new ManagedProcess(
      {
        name,
        command: process.execPath,
        // --expose-gc lets the probe force a full GC before a heap reading (`heap()`); nothing else calls gc().
        args: ['--expose-gc', '--import', 'tsx', '--import', './bench/lib/service-probe.ts', main],
        cwd: REPO_ROOT,
        env: { ...spec.env, BENCH_PROBE_PORT: String(probePort) },
        ready: () => answers200(`http://127.0.0.1:${port}${readyPath}`),
        readyTimeoutMs: spec.readyTimeoutMs,
      },
      this.log,
    );
    await proc.start();
    return { name, url: `http://127.0.0.1:${port}/graphql`, process: proc, probeUrl: `http://127.0.0.1:${probePort}/` };
  }
}

/**
 * Waits for every start to end, then fails with the first failure: a service still starting when
 * a sibling fails is registered before the cluster stops, so none is left running.
 */
async function allStarted(starts: readonly unknown[]): Promise<void> {
  const failed = (await Promise.allSettled(starts)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
