import type { EntityManager } from '@mikro-orm/postgresql';
import { StepTx } from './step-tx.js';

/**
 * Where SQL goes: an entity manager (in its transaction when it has one, one round trip per
 * statement) or a saga step's transaction (`StepTx`, which sends held-back writes with its next
 * statement or its commit).
 */
export type SqlTarget = EntityManager | StepTx;

/** One SQL statement with positional `?` parameters, as MikroORM's `execute` takes them. */
export interface SqlStatement {
  sql: string;
  params: unknown[];
  /** Its name as a CTE in `oneStatement`, for a later statement to read what it returns. */
  name?: string;
}

type Method = 'all' | 'get' | 'run';
type Result<M extends Method, Row> = M extends 'all' ? Row[] : M extends 'get' ? Row | undefined : { affectedRows: number; rows: Row[] };

/**
 * Runs one statement on `em`'s connection, inside `em`'s transaction when it has one (in a step
 * transaction: after its held-back writes, in the same round trip), and turns
 * a database error into MikroORM's exception classes (`UniqueConstraintViolationException`…) as
 * the entity API would.
 *
 * For the saga's hot paths: a step that reads a few columns and writes a few rows pays far less
 * through here than through the unit of work (no query builder, no change sets, no hydration), and
 * one statement can do what the entity API needs several round trips for.
 */
export async function runSql<Row = Record<string, unknown>, M extends Method = 'all'>(
  em: SqlTarget,
  sql: string,
  params: readonly unknown[] = [],
  method: M = 'all' as M,
): Promise<Result<M, Row>> {
  if (em instanceof StepTx) {
    const { rows, rowCount } = await em.query<Row>(sql, params);
    return (method === 'all' ? rows : method === 'get' ? rows[0] : { affectedRows: rowCount, rows }) as Result<M, Row>;
  }
  try {
    return (await em.getConnection().execute(sql, [...params], method, em.getTransactionContext())) as Result<M, Row>;
  } catch (err) {
    throw em.getDriver().convertException(err as Error);
  }
}

/**
 * Runs statements one after the other and returns the rows of each: in one round trip in a step
 * transaction, one round trip each on an entity manager. For a read that must follow a lock in a
 * statement of its own, to see what the lock waited for.
 */
export async function runEach(target: SqlTarget, statements: readonly SqlStatement[]): Promise<Record<string, unknown>[][]> {
  if (target instanceof StepTx) return (await target.queryEach(statements)).map((r) => r.rows);
  const rows: Record<string, unknown>[][] = [];
  for (const { sql, params } of statements) rows.push(await runSql<Record<string, unknown>>(target, sql, params));
  return rows;
}

/**
 * A write whose only outcome is success or failure: run now on an entity manager; held back by a
 * step transaction until its next statement or its commit, in the same round trip, and failing there.
 */
export async function writeSql(target: SqlTarget, statement: SqlStatement): Promise<void> {
  if (target instanceof StepTx) target.queue(statement);
  else await runSql(target, statement.sql, statement.params, 'run');
}

/**
 * `(?, ?, …), (?, ?, …)` for the multi-row `values` list of an `insert`, with the parameters in
 * the same order: many rows, one statement.
 */
export function valuesList(rows: readonly (readonly unknown[])[]): SqlStatement {
  return { sql: rows.map((values) => `(${values.map(() => '?').join(', ')})`).join(', '), params: rows.flat() };
}

/**
 * Several statements as one: all but the last become CTEs of the last, so they run in one round
 * trip and, outside a transaction, commit together or not at all. They all see the database as it
 * was when the statement began: none sees another's changes, only what a named one returns.
 */
export function oneStatement(statements: readonly SqlStatement[]): SqlStatement {
  if (statements.length === 0) throw new Error('oneStatement needs at least one statement');
  const main = statements.at(-1)!;
  const ctes = statements.slice(0, -1);
  if (ctes.length === 0) return main;
  return {
    sql: `with ${ctes.map((s, i) => `${s.name ?? `w${i}`} as (${s.sql})`).join(', ')} ${main.sql}`,
    params: [...ctes.flatMap((s) => s.params), ...main.params],
  };
}
