import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse, type DocumentNode } from 'graphql';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');

/** A subgraph's SDL, from `schema/<name>.graphql`: the one source of truth that composition also reads. */
export function loadSubgraphTypeDefs(name: string): DocumentNode {
  return parse(readFileSync(resolve(REPO_ROOT, 'schema', `${name}.graphql`), 'utf8'));
}
