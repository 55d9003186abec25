import { AsyncLocalStorage } from 'node:async_hooks';
import { MikroORM, type Options, type EntitySchema } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import type { Constructor } from '@mikro-orm/core';
import type { Migration } from '@mikro-orm/migrations';
import { ensureDatabase } from './database.js';

/** The part of a service's configuration that says where its database is and how to use it. */
export interface DatabaseSettings {
  databaseUrl: string;
  createDatabase: boolean;
  /** Connections in the pool; tests run several services side by side and keep it small. */
  dbPoolMax?: number;
}

export type MigrationList = { name: string; class: Constructor<Migration> }[];

export interface OrmOptions {
  /** The service's own database, e.g. postgres://postgres@127.0.0.1:5432/commerce_order. */
  databaseUrl: string;
  entities: EntitySchema<any, any>[];
  migrations: MigrationList;
  /** Where `npm run migration:create` writes new migrations. */
  migrationsPath?: string;
  poolMax?: number;
  /** Create the database when it is missing (development and tests; production databases are provisioned). */
  createDatabase?: boolean;
}

/**
 * Marks work done on behalf of a GraphQL request, so statement counts leave out what runs in the
 * background at the same time (the outbox relay's polls, event consumers).
 */
export const requestScope = new AsyncLocalStorage<true>();

/** A subgraph's ORM options: its own entities and migrations over the database its configuration names. */
export function subgraphOrmOptions(
  config: DatabaseSettings,
  schema: { entities: OrmOptions['entities']; migrations: MigrationList; migrationsPath: string },
): OrmOptions {
  return { databaseUrl: config.databaseUrl, createDatabase: config.createDatabase, poolMax: config.dbPoolMax, ...schema };
}

/** Counts the SQL statements a service sends: tests and benchmarks assert batching with it. */
export class SqlStatementCounter {
  /** Statements sent while serving GraphQL requests. */
  count = 0;
  /** Every statement, background work included. */
  total = 0;
  readonly log: string[] = [];
  recording = false;

  record(sql: string): void {
    this.total++;
    if (!requestScope.getStore()) return;
    this.count++;
    if (this.recording) this.log.push(sql);
  }

  reset(): void {
    this.count = 0;
    this.total = 0;
    this.log.length = 0;
  }
}

export interface Orm {
  orm: MikroORM;
  sql: SqlStatementCounter;
}

/** Opens a service's MikroORM over its own database. Schema changes come only from migrations. */
export async function initOrm(opts: OrmOptions): Promise<Orm> {
  if (opts.createDatabase) await ensureDatabase(opts.databaseUrl);
  const sql = new SqlStatementCounter();
  const config: Options = {
    clientUrl: opts.databaseUrl,
    entities: opts.entities,
    extensions: [Migrator],
    discovery: { warnWhenNoEntities: true },
    ensureDatabase: false,
    forceUtcTimezone: true,
    pool: { min: 0, max: opts.poolMax ?? 10 },
    migrations: {
      migrationsList: opts.migrations,
      path: opts.migrationsPath,
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      // Callers print their own one-line summary of what was applied.
      silent: true,
      emit: 'ts',
      fileName: (timestamp: string, name?: string) => `Migration${timestamp}${name ? `_${name}` : ''}`,
    },
    onQuery: (statement: string) => {
      sql.record(statement);
      return statement;
    },
  };
  const orm = await MikroORM.init(config);
  return { orm, sql };
}

/** Applies every pending migration; returns the names applied. */
export async function migrate(orm: MikroORM): Promise<string[]> {
  const applied = await orm.getMigrator().up();
  return applied.map((m) => m.name);
}
