import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { DEFAULT_DATABASE_URL } from '../config.js';
import { databaseUrl } from '../db/database.js';

/** The Postgres server tests use; each test run makes its own databases on it. */
export const TEST_SERVER_URL = process.env.TEST_DATABASE_URL ?? DEFAULT_DATABASE_URL;

const PREFIX = 't_';

/**
 * A database name unique to this run that also says when it was made (`t_<epoch s>_<random>_<label>`),
 * so a later run can drop what a crashed run left behind.
 */
export function testDatabaseUrl(label: string, runId = newRunId(), serverUrl = TEST_SERVER_URL): string {
  return databaseUrl(serverUrl, `${runId}_${label}`);
}

/** Where the Postgres server of the machine keeps its Unix socket (Debian's default). */
export const POSTGRES_SOCKET_DIR = process.env.TEST_DATABASE_SOCKET_DIR ?? '/var/run/postgresql';

/**
 * `url` with its host replaced by the Unix socket directory `dir`, percent-encoded
 * (`postgres://postgres@%2Fvar%2Frun%2Fpostgresql:5432/db`): the one spelling that `new URL`,
 * `databaseUrl`, pg's connection strings and MikroORM's `clientUrl` (which takes host and port
 * from `new URL`) all read as that socket. The port stays: it names the socket file
 * (`.s.PGSQL.5432`). Same user, database and parameters.
 */
export function overUnixSocket(url: string, dir = POSTGRES_SOCKET_DIR): string {
  const u = new URL(url);
  const auth = u.username ? `${u.username}${u.password ? `:${u.password}` : ''}@` : '';
  return `${u.protocol}//${auth}${encodeURIComponent(dir)}:${u.port || '5432'}${u.pathname}${u.search}`;
}

export function newRunId(): string {
  return `${PREFIX}${Math.floor(Date.now() / 1000)}_${randomBytes(4).toString('hex')}`;
}

/** Drops test databases older than `maxAgeSeconds`; runs before the suite. */
export async function dropStaleTestDatabases(maxAgeSeconds = 3 * 3600): Promise<string[]> {
  const client = new pg.Client({ connectionString: TEST_SERVER_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>("select datname from pg_database where datname ~ '^t_[0-9]+_'");
    const cutoff = Date.now() / 1000 - maxAgeSeconds;
    const stale = rows.map((r) => r.datname).filter((name) => Number(name.split('_')[1]) < cutoff);
    for (const name of stale) await client.query(`drop database if exists "${name}" with (force)`);
    return stale;
  } finally {
    await client.end();
  }
}
