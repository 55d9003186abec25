import { envName, SUBGRAPH_NAMES, type Env, type SubgraphName } from '../lib/config.js';
import { initOrm, migrate } from '../lib/db/orm.js';
import type { SubgraphApp } from '../lib/subgraph/subgraph-app.js';
import { subgraphModules, type SubgraphModule } from '../subgraphs/index.js';
import { readableDatabaseError, readableError } from './readable-error.js';

/** A registered subgraph with its configuration loaded: what migrate, seed and start work through. */
export interface LoadedSubgraph {
  name: SubgraphName;
  module: SubgraphModule;
  config: ReturnType<SubgraphModule['loadConfig']>;
}

/** Every subgraph registered in `subgraphs/index.ts`, in the usual order, configured from `env`. */
export function loadSubgraphs(env: Env): LoadedSubgraph[] {
  return SUBGRAPH_NAMES.flatMap((name) => {
    const module = subgraphModules[name];
    return module ? [{ name, module, config: module.loadConfig(env) }] : [];
  });
}

/** The variable that sets a service's port, for messages that tell the developer what to change. */
export const portVariable = (service: SubgraphName | 'gateway') => envName(service, 'PORT');

/** Applies the subgraph's pending migrations (creating its database when missing); returns their names. */
export async function migrateSubgraph(sg: LoadedSubgraph): Promise<string[]> {
  let db: Awaited<ReturnType<typeof initOrm>> | undefined;
  try {
    db = await initOrm(sg.module.ormOptions(sg.config));
    return await migrate(db.orm);
  } catch (err) {
    throw new Error(`${sg.name}: ${readableDatabaseError(err, sg.config.databaseUrl)}`);
  } finally {
    await db?.orm.close();
  }
}

export function describeMigrations(name: SubgraphName, applied: string[]): string {
  return applied.length ? `${name}: ${applied.length} applied (${applied.join(', ')})` : `${name}: up to date`;
}

/** Builds the subgraph's app without listening; failures name the subgraph. */
export async function createSubgraphApp(sg: LoadedSubgraph): Promise<SubgraphApp> {
  try {
    return await sg.module.createApp(sg.config);
  } catch (err) {
    throw new Error(`${sg.name}: could not build the subgraph: ${readableError(err)}`);
  }
}

/** Runs the subgraph's demo-data seeder through `app`; returns what it did, one line each. */
export async function seedSubgraph(sg: LoadedSubgraph, app: SubgraphApp): Promise<string[]> {
  if (!sg.module.seed) return [];
  try {
    return await sg.module.seed(app, sg.config);
  } catch (err) {
    throw new Error(`${sg.name}: seeding failed: ${readableDatabaseError(err, sg.config.databaseUrl)}`);
  }
}
