import type { EntityClass, EntityData, EntityMetadata, FilterQuery, FindOptions, ObjectQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * Reads for per-request loaders and pages, which only read: rows come back as plain objects with
 * the entity's property names and types (as `em.find` would fill them), but are never hydrated
 * into managed entities.
 *
 * Hydration (entity factory, identity map, change-set snapshots) cost about 30 µs per row, most of
 * the CPU a subgraph spent on a read request, and a request that never flushes what it read gains
 * nothing from it. What these return is not tracked: never modify or persist it; a write loads
 * its rows through the entity manager (and locks them).
 */

/** `em.find` without hydration: the same SQL (same criteria and options), on `em`'s transaction if it has one. */
export async function findRows<T extends object>(
  em: EntityManager,
  entity: EntityClass<T>,
  where: FilterQuery<T>,
  options: Pick<FindOptions<T>, 'orderBy' | 'limit'> = {},
): Promise<T[]> {
  const rows = await em.getDriver().find<T>(entity.name, where as ObjectQuery<T>, { ...options, ctx: em.getTransactionContext() });
  return rows as T[];
}

type Order<T> = Partial<Record<keyof T & string, 'asc' | 'desc'>>;

/**
 * The rows whose `property` is one of `keys`: what a loader asks for one batch. Reads what
 * `findRows(em, entity, { [property]: { $in: keys } }, { orderBy })` would, but its SQL is written
 * once per entity, property and order instead of by the query builder on every call, which cost
 * as much CPU as everything else in such a read.
 */
export async function findRowsIn<T extends object>(
  em: EntityManager,
  entity: EntityClass<T>,
  property: keyof T & string,
  keys: readonly unknown[],
  orderBy: Order<T> = {},
): Promise<T[]> {
  if (keys.length === 0) return [];
  const meta = em.getMetadata(entity);
  // `in (?)` with an array expands to one parameter per key.
  const rows = await em.getConnection().execute<Record<string, unknown>[]>(selectWhereIn(em, meta, property, orderBy), [[...keys]], 'all', em.getTransactionContext());
  return mapRows(em, entity, rows);
}

/** Rows of `entity`'s table read with raw SQL (`select *`), mapped as `findRows` maps them. */
export function mapRows<T extends object>(em: EntityManager, entity: EntityClass<T>, rows: readonly Record<string, unknown>[]): T[] {
  const meta = em.getMetadata(entity);
  const driver = em.getDriver();
  return rows.map((row) => driver.mapResult(row as EntityData<T>, meta) as T);
}

const statements = new WeakMap<EntityMetadata, Map<string, string>>();

/** `select <columns> from <table> where <column> in (?) order by …`, made on first use. */
function selectWhereIn<T>(em: EntityManager, meta: EntityMetadata<T>, property: string, orderBy: Order<T>): string {
  let byShape = statements.get(meta);
  if (!byShape) statements.set(meta, (byShape = new Map()));
  const shape = `${property} ${JSON.stringify(orderBy)}`;
  let sql = byShape.get(shape);
  if (!sql) {
    const q = (id: string) => em.getPlatform().quoteIdentifier(id);
    const column = (name: string) => {
      const prop = meta.props.find((p) => p.name === name);
      if (!prop?.fieldNames || prop.fieldNames.length !== 1) throw new Error(`${meta.className}.${name} is not a single column`);
      return q(prop.fieldNames[0]);
    };
    // The columns `em.find` reads: every scalar and foreign key but lazy ones (a password hash).
    const columns = meta.props.filter((p) => (p.kind === 'scalar' || p.kind === 'm:1') && p.persist !== false && !p.lazy && !p.formula).flatMap((p) => p.fieldNames.map(q));
    const order = Object.entries(orderBy).map(([name, dir]) => `${column(name)} ${dir === 'desc' ? 'desc' : 'asc'}`);
    sql = `select ${columns.join(', ')} from ${q(meta.tableName)} where ${column(property)} in (?)${order.length ? ` order by ${order.join(', ')}` : ''}`;
    byShape.set(shape, sql);
  }
  return sql;
}
