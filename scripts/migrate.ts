/**
 * `npm run migrate`: applies pending migrations to every registered subgraph's database
 * (`commerce_<name>` on DATABASE_URL), creating the database when it is missing.
 */
import { devEnv } from './dev-env.js';
import { runCommand } from './readable-error.js';
import { describeMigrations, loadSubgraphs, migrateSubgraph } from './subgraph-tasks.js';

runCommand(async () => {
  const subgraphs = loadSubgraphs(await devEnv(process.env));
  console.log(`Migrating ${subgraphs.length} subgraph database(s)…`);
  for (const sg of subgraphs) console.log(`  ${describeMigrations(sg.name, await migrateSubgraph(sg))}`);
}, process.env.DEBUG_STACK === '1');
