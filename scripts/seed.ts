/**
 * `npm run seed`: loads demo data into every registered subgraph that has a seeder, migrating its
 * database first. Seeders skip what already exists, so running this again adds nothing.
 */
import { devEnv } from './dev-env.js';
import { runCommand } from './readable-error.js';
import { createSubgraphApp, describeMigrations, loadSubgraphs, migrateSubgraph, seedSubgraph } from './subgraph-tasks.js';

runCommand(async () => {
  // The apps are built only to lend their ORM to the seeders; their info lines would bury the report.
  const env = await devEnv(process.env);
  env.LOG_LEVEL ??= 'warn';
  const seedable = loadSubgraphs(env).filter((sg) => sg.module.seed);
  if (!seedable.length) {
    console.log('No registered subgraph has a seeder; nothing to do.');
    return;
  }
  console.log(`Seeding ${seedable.map((sg) => sg.name).join(', ')}…`);
  for (const sg of seedable) {
    console.log(`  ${describeMigrations(sg.name, await migrateSubgraph(sg))}`);
    const app = await createSubgraphApp(sg);
    try {
      for (const line of await seedSubgraph(sg, app)) console.log(`  ${sg.name}: ${line}`);
    } finally {
      await app.stop();
    }
  }
}, process.env.DEBUG_STACK === '1');
