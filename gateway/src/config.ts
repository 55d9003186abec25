import { resolve } from 'node:path';
import { z } from 'zod';
import { DEFAULT_PORTS, envName, parseEnv, SUBGRAPH_NAMES, type Env, type SubgraphName } from '../../lib/config.js';
import { REPO_ROOT } from '../../lib/graphql/load-schema.js';

/** The gateway's settings, parsed once from the environment. */
export function loadGatewayConfig(env: Env) {
  const production = env.NODE_ENV === 'production';
  const subgraph = z.object({
    /** Overrides the routing URL composed into the supergraph (`<NAME>_URL`). */
    url: z.string().url().optional(),
    secret: z.string().min(production ? 32 : 8),
  });
  return parseEnv(
    z.object({
      production: z.boolean(),
      host: z.string().min(1),
      port: z.coerce.number().int().min(0).max(65535),
      supergraphPath: z.string().min(1),
      jwtPublicKey: z.string().includes('PUBLIC KEY', { message: 'must be an SPKI PEM (ES256) public key' }),
      jwtIssuer: z.string().min(1),
      jwtAudience: z.string().min(1),
      logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
      maxBodyBytes: z.coerce.number().int().positive(),
      subgraphs: z.object(Object.fromEntries(SUBGRAPH_NAMES.map((n) => [n, subgraph])) as Record<SubgraphName, typeof subgraph>),
    }),
    {
      production,
      host: env.GATEWAY_HOST ?? env.HOST ?? '127.0.0.1',
      port: env.GATEWAY_PORT ?? DEFAULT_PORTS.gateway,
      supergraphPath: env.SUPERGRAPH_PATH ?? resolve(REPO_ROOT, 'schema/supergraph.graphql'),
      jwtPublicKey: env.JWT_PUBLIC_KEY ?? '',
      jwtIssuer: env.JWT_ISSUER ?? 'commerce-order',
      jwtAudience: env.JWT_AUDIENCE ?? 'commerce-gateway',
      logLevel: env.LOG_LEVEL ?? 'info',
      maxBodyBytes: env.GATEWAY_MAX_BODY_BYTES ?? 100_000,
      subgraphs: Object.fromEntries(
        SUBGRAPH_NAMES.map((n) => [
          n,
          { url: env[envName(n, 'URL')], secret: env[envName(n, 'GATEWAY_SECRET')] ?? (production ? '' : `dev-only-${n}-secret`) },
        ]),
      ),
    },
    'gateway',
  );
}
export type GatewayConfig = ReturnType<typeof loadGatewayConfig>;
