import type { MikroORM } from '@mikro-orm/postgresql';
import type { SqlStatement } from './sql.js';

/** Between the statements of one message; a literal holding it would only make a statement counter count one more. */
export const STATEMENT_SEPARATOR = ';\n';

/** Step transactions begun on each ORM (benchmarks count transactions with it). */
const begun = new WeakMap<MikroORM, number>();
export const stepTransactionsBegun = (orm: MikroORM): number => begun.get(orm) ?? 0;

/** The part of a `pg` client a step transaction uses: a simple-protocol query. */
interface PgConnection {
  query(text: string): Promise<PgResult | PgResult[]>;
  /** Set by knex's pool when the connection broke; the pool then drops it instead of lending it again. */
  __knex__disposed?: unknown;
}
interface PgResult {
  rows: Record<string, unknown>[];
  rowCount: number | null;
}

/** knex's pool under MikroORM, as much of it as lending a connection needs. */
interface KnexPool {
  acquireConnection(): Promise<PgConnection>;
  releaseConnection(connection: PgConnection): Promise<void>;
}

/**
 * A database transaction that costs as few round trips as its reads allow: BEGIN, and every write
 * whose result is not needed (`queue`), wait and go to Postgres with the next read or with COMMIT,
 * as one multi-statement message.
 *
 * For the saga's consumed steps, which are all "lock and read, decide, write": a step is two round
 * trips (`begin; <inbox row>; <lock and read>`, then `<writes>; commit`) where a MikroORM
 * transaction takes five or six, and measured alone (`bench/step-tx.ts`) it costs about half the
 * CPU of one. Statements are formatted exactly as MikroORM formats them for `execute` (parameters
 * inlined, the simple query protocol), on a connection lent by the same pool.
 *
 * A write that fails surfaces at the round trip it went with, so the step never acts on a read
 * that came after it. After any failure the transaction is rolled back; the caller must not use
 * it again.
 */
export class StepTx {
  private queued: string[] = ['begin'];
  private readonly onCommit: (() => void)[] = [];
  /** BEGIN has gone out: from here on the connection holds an open transaction. */
  private begun = false;
  /** Messages sent to Postgres so far, ROLLBACK included. */
  roundTrips = 0;
  private done = false;

  private constructor(
    readonly orm: MikroORM,
    private readonly pool: KnexPool,
    private readonly connection: PgConnection,
  ) {}

  /** Runs `fn` in a step transaction on `orm`: commits when it resolves, rolls back when it throws. */
  static async run<T>(orm: MikroORM, fn: (tx: StepTx) => Promise<T>): Promise<T> {
    const tx = await StepTx.begin(orm);
    try {
      const result = await fn(tx);
      await tx.commit();
      return result;
    } catch (err) {
      await tx.rollback();
      throw err;
    }
  }

  /** Borrows a connection from `orm`'s pool; nothing is sent until the first read or the commit. */
  static async begin(orm: MikroORM): Promise<StepTx> {
    const pool = orm.em.getConnection().getKnex().client as KnexPool;
    const tx = new StepTx(orm, pool, await pool.acquireConnection());
    begun.set(orm, stepTransactionsBegun(orm) + 1);
    return tx;
  }

  /** Holds a write back until the next round trip; its failure fails that round trip. */
  queue(statement: SqlStatement): void {
    this.assertOpen();
    this.queued.push(this.format(statement));
  }

  /** Runs a statement, after every write queued before it, in one round trip; its rows and count. */
  async query<Row>(sql: string, params: readonly unknown[] = []): Promise<{ rows: Row[]; rowCount: number }> {
    const [result] = await this.queryEach([{ sql, params: [...params] }]);
    return { rows: result.rows as Row[], rowCount: result.rowCount ?? 0 };
  }

  /**
   * Runs statements one after the other in one round trip (after the queued writes); the rows of
   * each. Each statement sees what those before it did and, as any statement in READ COMMITTED,
   * what others committed before it began: a read after a lock sees the state the lock waited for.
   */
  async queryEach(statements: readonly SqlStatement[]): Promise<PgResult[]> {
    this.assertOpen();
    const results = await this.send([...this.takeQueued(), ...statements.map((s) => this.format(s))]);
    return results.slice(-statements.length);
  }

  /** Runs `fn` once the transaction has committed; never when it rolls back. */
  afterCommit(fn: () => void): void {
    this.onCommit.push(fn);
  }

  /** Sends what is queued and COMMIT in one round trip, gives the connection back, then runs the commit hooks. */
  async commit(): Promise<void> {
    this.assertOpen();
    await this.send([...this.takeQueued(), 'commit']);
    this.finish();
    for (const fn of this.onCommit) fn();
  }

  /** Undoes whatever was sent and gives the connection back; does nothing when the transaction is over. */
  async rollback(): Promise<void> {
    if (this.done) return;
    this.queued = [];
    if (this.begun) {
      this.roundTrips++;
      try {
        await this.connection.query('rollback');
      } catch (err) {
        // A connection that cannot even roll back is broken: the pool must not lend it again.
        this.connection.__knex__disposed = err;
      }
    }
    this.finish();
  }

  private takeQueued(): string[] {
    const queued = this.queued;
    this.queued = [];
    return queued;
  }

  private async send(statements: string[]): Promise<PgResult[]> {
    this.begun = true;
    this.roundTrips++;
    try {
      const results = await this.connection.query(statements.join(STATEMENT_SEPARATOR));
      return Array.isArray(results) ? results : [results];
    } catch (err) {
      // The statements before the failing one ran, BEGIN among them: the transaction is open and aborted.
      const converted = this.orm.em.getDriver().convertException(err as Error);
      await this.rollback();
      throw converted;
    }
  }

  private format({ sql, params }: SqlStatement): string {
    // The ORM's query hook sees every statement, as for `execute`: the statement counters rely on it.
    const hooked = this.orm.config.get('onQuery')(sql, [...params]);
    return this.orm.em.getPlatform().formatQuery(hooked, params);
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    void this.pool.releaseConnection(this.connection);
  }

  private assertOpen(): void {
    if (this.done) throw new Error('This step transaction is over: it committed or rolled back.');
  }
}
