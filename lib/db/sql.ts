import type { EntityManager } from '@mikro-orm/postgresql';

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
 * Runs one statement on `em`'s connection, inside `em`'s transaction when it has one, and turns
 * a database error into MikroORM's exception classes (`UniqueConstraintViolationException`…) as
 * the entity API would.
 *
 * For the saga's hot paths: a step that reads a few columns and writes a few rows pays far less
 * through here than through the unit of work (no query builder, no change sets, no hydration), and
 * one statement can do what the entity API needs several round trips for.
 */
export async function runSql<Row = Record<string, unknown>, M extends Method = 'all'>(
  em: EntityManager,
  sql: string,
  params: readonly unknown[] = [],
  method: M = 'all' as M,
): Promise<Result<M, Row>> {
  try {
    return (await em.getConnection().execute(sql, [...params], method, em.getTransactionContext())) as Result<M, Row>;
  } catch (err) {
    throw em.getDriver().convertException(err as Error);
  }
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
