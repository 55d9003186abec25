import pg from 'pg';

/** The URL of `database` on the server that `url` points at. */
export function databaseUrl(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function withAdminClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl(url, 'postgres') });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Creates the database that `url` names when it does not exist yet. */
export async function ensureDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  await withAdminClient(url, async (client) => {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (rowCount) return;
    try {
      await client.query(`create database ${quoteIdent(name)}`);
    } catch (err) {
      // Two services racing to create the same database: the loser finds it there.
      if ((err as { code?: string }).code !== '42P04') throw err;
    }
  });
}

/** Drops the database that `url` names, disconnecting anyone still on it (tests clean up with this). */
export async function dropDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  await withAdminClient(url, (client) => client.query(`drop database if exists ${quoteIdent(name)} with (force)`));
}

/** Drops every database whose name starts with `prefix` (leftovers of crashed test runs). */
export async function dropDatabasesWithPrefix(url: string, prefix: string): Promise<string[]> {
  return withAdminClient(url, async (client) => {
    const { rows } = await client.query<{ datname: string }>(
      "select datname from pg_database where datname like $1 || '%'",
      [prefix],
    );
    for (const { datname } of rows) await client.query(`drop database if exists ${quoteIdent(datname)} with (force)`);
    return rows.map((r) => r.datname);
  });
}
