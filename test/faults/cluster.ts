import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { generateJwtKeyPair } from '../../lib/auth/jwt.js';
import { envName, SUBGRAPH_NAMES, type SubgraphName } from '../../lib/config.js';
import { databaseUrl } from '../../lib/db/database.js';
import { EventBus } from '../../lib/events/bus.js';
import { createLogger } from '../../lib/logger.js';
import { dropAll, migrateAll } from '../../lib/testing/subgraph-databases.js';
import { newRunId, testDatabaseUrl, TEST_SERVER_URL } from '../../lib/testing/test-databases.js';
import { natsAnswers } from '../../scripts/start/nats.js';
import { startSmtpCatcher, type SmtpCatcher } from '../../scripts/start/smtp-catcher.js';
import { freePort, ManagedProcess, RunLog, tsxService } from './processes.js';

/** The gateway's subgraph timeout in the cluster (scenario 4 hangs the payment service for longer). */
export const GATEWAY_SUBGRAPH_TIMEOUT_MS = 10_000;

/** Settings every child gets: short retry delays, so a scenario recovers in seconds rather than minutes, and small pools. */
const CHILD_SETTINGS = {
  // The Postgres here is shared (max_connections 100): two replicas of four services must fit beside other test runs.
  DB_POOL_MAX: '4',
  EVENT_MAX_DELIVERIES: '5',
  // ~5 s of retries before a failing event is dead-lettered: longer than a cut connection takes to heal.
  EVENT_RETRY_BACKOFF_MS: '100,500,1500,3000',
  PAYMENT_RETRY_DELAYS_MS: '5,10,20',
  EMAIL_RETRY_SCHEDULE_MS: '200,500,1000,2000,5000',
  NOTIFICATION_DISPATCH_INTERVAL_MS: '200',
  // The default, stated: scenario 4 waits it out.
  GATEWAY_SUBGRAPH_TIMEOUT_MS: String(GATEWAY_SUBGRAPH_TIMEOUT_MS),
};

/** A subgraph or gateway process and where it listens. */
export interface ServiceProcess extends ManagedProcess {
  port: number;
  url: string;
}

/**
 * The supergraph as separate processes that the fault suite can break: its own nats-server (own
 * port, own store), the four subgraphs and the gateway as children (`node --import tsx …/main.ts`),
 * fresh databases (`t_<epoch>_<random>_<name>`, dropped by `stop()` or by a later run), its own
 * event prefix, and an in-process SMTP catcher. Every child's output goes to one log file.
 */
export class FaultCluster {
  /** Replica 0 of each subgraph is what gateway 0 routes to; scenario 5 adds replica 1 and gateway 1. */
  readonly subgraphs = Object.fromEntries(SUBGRAPH_NAMES.map((n) => [n, [] as ServiceProcess[]])) as Record<SubgraphName, ServiceProcess[]>;
  readonly gateways: ServiceProcess[] = [];
  /** A pool per subgraph database, for the checker and for faults done in SQL. */
  readonly db: Record<SubgraphName, pg.Pool>;

  private constructor(
    readonly runId: string,
    readonly log: RunLog,
    readonly env: Record<string, string>,
    readonly nats: ManagedProcess,
    readonly natsStoreDir: string,
    /** nats-server's monitoring endpoint (`/connz`: messages in and out per client connection). */
    readonly natsMonitorUrl: string,
    readonly smtp: SmtpCatcher,
    /** The suite's own connection to this run's streams. */
    readonly bus: EventBus,
  ) {
    this.db = Object.fromEntries(
      SUBGRAPH_NAMES.map((n) => {
        // One session per database, held for the whole run: the checker must still read when Postgres is full.
        const pool = new pg.Pool({ connectionString: env[envName(n, 'DATABASE_URL')], max: 1, idleTimeoutMillis: 0 });
        // Scenario 2 terminates every session on a database, the checker's idle ones included.
        pool.on('error', (err) => log.line('harness', `checker pool ${n}: ${err.message}`));
        return [n, pool];
      }),
    ) as Record<SubgraphName, pg.Pool>;
  }

  static async start(): Promise<FaultCluster> {
    const runId = newRunId();
    const log = new RunLog(join(tmpdir(), `commerce-faults-${runId}.log`));
    const keys = await generateJwtKeyPair();
    const natsPort = await freePort();
    const natsMonitorPort = await freePort();
    const natsStoreDir = await mkdtemp(join(tmpdir(), 'commerce-faults-nats-'));
    const smtp = await startSmtpCatcher({ smtpPort: 0, httpPort: 0, keep: 1_000_000 });
    const env: Record<string, string> = {
      DATABASE_URL: TEST_SERVER_URL,
      NATS_URL: `nats://127.0.0.1:${natsPort}`,
      EVENTS_PREFIX: runId,
      LOG_LEVEL: process.env.FAULTS_LOG_LEVEL ?? 'info',
      JWT_PRIVATE_KEY: keys.privateKeyPem,
      JWT_PUBLIC_KEY: keys.publicKeyPem,
      ADMIN_EMAIL: `admin-${runId}@example.test`,
      ADMIN_PASSWORD: randomBytes(12).toString('hex'),
      SMTP_URL: smtp.smtpUrl,
      ...CHILD_SETTINGS,
      ...Object.fromEntries(
        SUBGRAPH_NAMES.flatMap((n) => [
          [envName(n, 'DATABASE_URL'), testDatabaseUrl(n, runId)],
          [envName(n, 'GATEWAY_SECRET'), randomBytes(24).toString('hex')],
        ]),
      ),
    };
    log.line('harness', `run ${runId}: NATS on ${env.NATS_URL} (store ${natsStoreDir}), SMTP ${smtp.smtpUrl}`);

    const nats = new ManagedProcess(
      {
        name: 'nats',
        command: process.env.NATS_SERVER_BIN ?? 'nats-server',
        args: ['-js', '-sd', natsStoreDir, '-a', '127.0.0.1', '-p', String(natsPort), '-m', String(natsMonitorPort)],
        env: process.env,
        ready: () => natsAnswers('127.0.0.1', natsPort, 500),
        readyTimeoutMs: 20_000,
      },
      log,
    );
    let bus: EventBus | undefined;
    try {
      await nats.start().catch((err: Error) => {
        throw new Error(`${err.message}\nThe fault suite runs its own nats-server: install it (apt-get install nats-server) or set NATS_SERVER_BIN.`);
      });
      await migrateAll(env);
      bus = await EventBus.connect({ url: env.NATS_URL, prefix: runId, name: 'fault-suite', logger: createLogger('fault-suite', 'silent') });
    } catch (err) {
      await nats.kill();
      await smtp.stop();
      await dropAll(env);
      await rm(natsStoreDir, { recursive: true, force: true });
      throw err;
    }
    const cluster = new FaultCluster(runId, log, env, nats, natsStoreDir, `http://127.0.0.1:${natsMonitorPort}`, smtp, bus);
    try {
      await Promise.all(SUBGRAPH_NAMES.map((n) => cluster.addSubgraph(n)));
      await cluster.addGateway(0);
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  /** Starts one more replica of a subgraph on a port of its own, on the same database and streams. */
  async addSubgraph(name: SubgraphName): Promise<ServiceProcess> {
    const replica = this.subgraphs[name].length;
    const port = await freePort();
    const proc = this.serviceProcess(`${name}${replica ? `#${replica + 1}` : ''}`, `subgraphs/${name}/src/main.ts`, port, { [envName(name, 'PORT')]: String(port) });
    this.subgraphs[name].push(proc);
    await proc.start();
    return proc;
  }

  /** Starts a gateway routing to replica `replica` of every subgraph. */
  async addGateway(replica: number): Promise<ServiceProcess> {
    const port = await freePort();
    const routes = Object.fromEntries(SUBGRAPH_NAMES.map((n) => [envName(n, 'URL'), this.subgraphs[n][replica].url]));
    const proc = this.serviceProcess(`gateway${this.gateways.length ? `#${this.gateways.length + 1}` : ''}`, 'gateway/src/main.ts', port, { GATEWAY_PORT: String(port), ...routes });
    this.gateways.push(proc);
    await proc.start();
    return proc;
  }

  /** Stops (SIGTERM) and forgets every replica above the first, and every gateway but the first. */
  async removeReplicas(): Promise<void> {
    const extra = [...this.gateways.splice(1), ...SUBGRAPH_NAMES.flatMap((n) => this.subgraphs[n].splice(1))];
    await Promise.all(extra.map((p) => p.stop()));
  }

  get gatewayUrl(): string {
    return this.gateways[0].url;
  }

  /** Cuts every Postgres session on a subgraph's database (`pg_terminate_backend`), as a failover or an admin would; returns how many. */
  async terminateSessions(name: SubgraphName): Promise<number> {
    const database = new URL(this.env[envName(name, 'DATABASE_URL')]).pathname.slice(1);
    const admin = new pg.Client({ connectionString: databaseUrl(TEST_SERVER_URL, 'postgres') });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ n: string }>(
        'select count(*) filter (where pg_terminate_backend(pid)) as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
        [database],
      );
      this.log.line('harness', `pg_terminate_backend: ${rows[0].n} session(s) of ${database}`);
      return Number(rows[0].n);
    } finally {
      await admin.end();
    }
  }

  /** Children that exited without being asked to since the last call. */
  takeCrashes(): string[] {
    return this.children().flatMap((p) => p.crashes.splice(0));
  }

  /** Starts again any child that is not running (one a previous scenario left dead), so scenarios stay independent. */
  async ensureRunning(): Promise<string[]> {
    const dead = this.children().filter((p) => !p.running);
    if (!this.nats.running) await this.nats.start();
    await Promise.all(dead.filter((p) => p !== this.nats).map((p) => p.start()));
    return dead.map((p) => p.name);
  }

  private children(): ManagedProcess[] {
    return [this.nats, ...this.gateways, ...SUBGRAPH_NAMES.flatMap((n) => this.subgraphs[n])];
  }

  async stop(): Promise<void> {
    const children = [...this.gateways, ...SUBGRAPH_NAMES.flatMap((n) => this.subgraphs[n])];
    await Promise.all(children.map((p) => p.stop().catch(() => p.kill())));
    await this.bus.deleteStreams().catch(() => undefined);
    await this.bus.close();
    await this.nats.stop();
    await Promise.all(Object.values(this.db).map((p) => p.end().catch(() => undefined)));
    await this.smtp.stop();
    await dropAll(this.env);
    await rm(this.natsStoreDir, { recursive: true, force: true });
    await this.log.close();
  }

  private serviceProcess(name: string, main: string, port: number, env: Record<string, string>): ServiceProcess {
    const proc = tsxService({ name, main, port, readyPath: '/ready', env: { ...process.env, ...this.env, ...env }, readyTimeoutMs: 90_000 }, this.log);
    return Object.assign(proc, { port, url: `http://127.0.0.1:${port}/graphql` });
  }
}
