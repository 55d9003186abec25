import pg from 'pg';
import { waitFor } from '../lib/testing/wait.js';

export interface TableLock {
  /** Resolves once `n` statements in the database are waiting on this lock. */
  waiters(n: number): Promise<void>;
  release(): Promise<void>;
}

/**
 * Holds an exclusive lock on a table from outside the services, so requests that touch it stay in
 * flight (waiting in PostgreSQL) for as long as a test needs, then all go on at once on release.
 */
export async function lockTable(databaseUrl: string, table: string): Promise<TableLock> {
  const holder = new pg.Client({ connectionString: databaseUrl });
  await holder.connect();
  await holder.query('begin');
  await holder.query(`lock table ${pg.escapeIdentifier(table)} in access exclusive mode`);
  return {
    waiters: (n) =>
      waitFor(`${n} statements waiting on the lock of ${table}`, async () => {
        // Inside the holder's transaction PostgreSQL keeps the first list of backends it read; clear it,
        // or connections opened after the first look (a pool growing to serve the waiters) never count.
        await holder.query('select pg_stat_clear_snapshot()');
        const { rows } = await holder.query<{ n: string }>(
          "select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()",
        );
        return Number(rows[0].n) >= n ? true : undefined;
      }, 30_000).then(() => undefined),
    async release() {
      await holder.query('commit');
      await holder.end();
    },
  };
}
