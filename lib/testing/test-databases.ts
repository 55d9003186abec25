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
export function testDatabaseUrl(label: string, runId = newRunId()): string {
  return databaseUrl(TEST_SERVER_URL, `${runId}_${label}`);
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
