import { envName, SUBGRAPH_NAMES, type Env } from '../config.js';
import { dropDatabase } from '../db/database.js';
import { initOrm, migrate } from '../db/orm.js';
import { subgraphModules } from '../../subgraphs/index.js';

/**
 * Creates and migrates every subgraph's database (as `env` names them) once, before any service
 * starts, for harnesses that run the services as child processes (the fault suite, the benchmark).
 */
export async function migrateAll(env: Env): Promise<void> {
  for (const name of SUBGRAPH_NAMES) {
    const mod = subgraphModules[name]!;
    const { orm } = await initOrm(mod.ormOptions(mod.loadConfig(env)));
    try {
      await migrate(orm);
    } finally {
      await orm.close();
    }
  }
}

/** Drops every subgraph's database that `env` names; one already gone is fine. */
export async function dropAll(env: Env): Promise<void> {
  await Promise.all(SUBGRAPH_NAMES.map((n) => dropDatabase(env[envName(n, 'DATABASE_URL')]!).catch(() => undefined)));
}
