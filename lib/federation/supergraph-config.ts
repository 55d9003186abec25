import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/** rover's `supergraph.yaml` shape, restricted to local schema files (composition here is offline). */
const SupergraphYaml = z.object({
  federation_version: z.union([z.string(), z.number()]).transform(String),
  subgraphs: z.record(
    z.string(),
    z.object({
      routing_url: z.string().url(),
      schema: z.object({ file: z.string() }),
    }),
  ),
});

export interface SubgraphSource {
  name: string;
  routingUrl: string;
  schemaPath: string;
  typeDefs: string;
}

export interface SupergraphConfig {
  federationVersion: string;
  subgraphs: SubgraphSource[];
}

/** Reads `supergraph.yaml` and the SDL files it names (paths relative to the YAML file). */
export async function readSupergraphConfig(yamlPath: string): Promise<SupergraphConfig> {
  const raw = SupergraphYaml.parse(parseYaml(await readFile(yamlPath, 'utf8')));
  const base = dirname(resolve(yamlPath));
  const subgraphs = await Promise.all(
    Object.entries(raw.subgraphs).map(async ([name, entry]) => {
      const schemaPath = resolve(base, entry.schema.file);
      return { name, routingUrl: entry.routing_url, schemaPath, typeDefs: await readFile(schemaPath, 'utf8') };
    }),
  );
  return { federationVersion: raw.federation_version, subgraphs };
}
