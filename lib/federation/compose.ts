import { composeServices, type CompositionResult } from '@apollo/composition';
import { parse } from 'graphql';
import type { SubgraphSource } from './supergraph-config.js';

export type ComposeOutcome =
  | { ok: true; supergraphSdl: string; hints: string[] }
  | { ok: false; errors: string[]; hints: string[] };

/** Composes subgraph SDLs in-process, the way `rover supergraph compose` does, without network. */
export function composeSupergraph(subgraphs: SubgraphSource[]): ComposeOutcome {
  const services = [];
  const errors: string[] = [];
  for (const s of subgraphs) {
    try {
      services.push({ name: s.name, url: s.routingUrl, typeDefs: parse(s.typeDefs) });
    } catch (err) {
      errors.push(`${s.name} (${s.schemaPath}): ${(err as Error).message}`);
    }
  }
  if (errors.length > 0) return { ok: false, errors, hints: [] };

  const result: CompositionResult = composeServices(services);
  const hints = (result.hints ?? []).map((h) => `${h.definition.code}: ${h.message}`);
  if (result.errors) {
    return {
      ok: false,
      errors: result.errors.map((e) => {
        const code = (e.extensions?.code as string | undefined) ?? 'COMPOSITION_ERROR';
        return `${code}: ${e.message}`;
      }),
      hints,
    };
  }
  return { ok: true, supergraphSdl: result.supergraphSdl, hints };
}
