/**
 * `npm run compose`: composes supergraph.yaml into schema/supergraph.graphql, offline.
 * `npm run compose -- --check`: exits 1 when the committed supergraph differs from a fresh composition.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { composeSupergraph } from '../lib/federation/compose.js';
import { readSupergraphConfig } from '../lib/federation/supergraph-config.js';

const root = resolve(import.meta.dirname, '..');
const yamlPath = resolve(root, 'supergraph.yaml');
const outPath = resolve(root, 'schema/supergraph.graphql');
const check = process.argv.includes('--check');

const config = await readSupergraphConfig(yamlPath);
console.log(`Composing ${config.subgraphs.length} subgraphs: ${config.subgraphs.map((s) => s.name).join(', ')}`);
const outcome = composeSupergraph(config.subgraphs);

for (const hint of outcome.hints) console.log(`  hint  ${hint}`);
if (!outcome.ok) {
  console.error(`\nComposition failed with ${outcome.errors.length} error(s):`);
  for (const e of outcome.errors) console.error(`  error ${e}`);
  process.exit(1);
}

const composed = outcome.supergraphSdl.endsWith('\n') ? outcome.supergraphSdl : `${outcome.supergraphSdl}\n`;
if (check) {
  const committed = await readFile(outPath, 'utf8').catch(() => '');
  if (committed !== composed) {
    console.error(`\n${outPath} is stale: run \`npm run compose\` and commit the result.`);
    process.exit(1);
  }
  console.log(`schema/supergraph.graphql is up to date.`);
} else {
  await writeFile(outPath, composed);
  console.log(`Wrote schema/supergraph.graphql (${composed.length} bytes, ${outcome.hints.length} hint(s)).`);
}
