import { afterAll, beforeAll } from 'vitest';
import { dropDatabase } from '../db/database.js';
import { initOrm, migrate, type DatabaseSettings, type Orm, type OrmOptions } from '../db/orm.js';
import { testDatabaseUrl } from './test-databases.js';

export interface TestDatabase extends Orm {
  /** The database's URL (`t_<epoch>_<random>_<label>`), for a service the test starts over it. */
  url: string;
}

/**
 * A subgraph's own database for one test file, fresh and migrated before its tests and dropped
 * after them: call at the top of the file. The ORM is there from the first `beforeAll` the file
 * registers after this call; the database goes after every `afterAll` registered after it (vitest
 * runs them in reverse), so an app the file starts over it is stopped first.
 */
export function useTestDatabase(
  label: string,
  ormOptions: (config: DatabaseSettings) => OrmOptions,
  opts: { dbPoolMax?: number } = {},
): TestDatabase {
  const url = testDatabaseUrl(label);
  let opened: Orm | undefined;
  const orm = (): Orm => {
    if (!opened) throw new Error(`the test database ${label} is used before its beforeAll opened it`);
    return opened;
  };
  beforeAll(async () => {
    opened = await initOrm(ormOptions({ databaseUrl: url, createDatabase: true, dbPoolMax: opts.dbPoolMax }));
    await migrate(opened.orm);
  });
  afterAll(async () => {
    await opened?.orm.close();
    await dropDatabase(url);
  });
  return {
    url,
    get orm() {
      return orm().orm;
    },
    get sql() {
      return orm().sql;
    },
  };
}
