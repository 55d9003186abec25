import { Supergraph } from '@apollo/federation-internals';
import { SUBGRAPH_NAMES, type SubgraphName } from '../../lib/config.js';

/**
 * The URL of each subgraph: the routing URL composed into the supergraph (from supergraph.yaml),
 * unless the configuration overrides it (`<NAME>_URL`), as it does in containers and tests.
 */
export function routingUrls(
  supergraphSdl: string,
  overrides: Record<SubgraphName, { url?: string }>,
): Record<SubgraphName, string> {
  const composed = new Map(Supergraph.build(supergraphSdl).subgraphs().values().map((s) => [s.name, s.url]));
  const urls = {} as Record<SubgraphName, string>;
  for (const name of SUBGRAPH_NAMES) {
    const url = overrides[name]?.url ?? composed.get(name);
    if (!url) throw new Error(`No URL for subgraph "${name}": it is not in the supergraph and ${name.toUpperCase()}_URL is not set.`);
    urls[name] = url;
  }
  return urls;
}
