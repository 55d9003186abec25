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
      /**
       * How long the gateway waits for a subgraph before serving the rest without its fields
       * (subgraph-data-source.ts): long enough for a busy service to answer, short enough that a
       * hung one does not hold every response that touches it.
       */
      subgraphTimeoutMs: z.coerce.number().int().positive(),
      /** The same limits guard HTTP and WebSocket operations (see limits.ts). */
      limits: z.object({
        maxDepth: z.coerce.number().int().positive(),
        maxAliases: z.coerce.number().int().nonnegative(),
        maxRootFields: z.coerce.number().int().positive(),
        maxTokens: z.coerce.number().int().positive(),
      }),
      /** Same meaning and defaults as the subgraphs' (lib/config.ts): subscriptions follow their events. */
      natsUrl: z.string().min(1),
      eventsPrefix: z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only'),
      subscriptions: z.object({
        /** Subscriptions one WebSocket may hold at once; more are refused with OPERATION_LIMIT_EXCEEDED. */
        maxPerConnection: z.coerce.number().int().positive(),
        /** Ping interval; a socket that misses a pong for as long is dropped. 0 turns pings off. */
        keepAliveMs: z.coerce.number().int().nonnegative(),
        /** Operations the gateway runs at once to re-resolve subscription events; the rest wait their turn. */
        resolveConcurrency: z.coerce.number().int().positive(),
      }),
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
      subgraphTimeoutMs: env.GATEWAY_SUBGRAPH_TIMEOUT_MS ?? 10_000,
      limits: {
        maxDepth: env.GATEWAY_MAX_DEPTH ?? 12,
        maxAliases: env.GATEWAY_MAX_ALIASES ?? 30,
        maxRootFields: env.GATEWAY_MAX_ROOT_FIELDS ?? 20,
        maxTokens: env.GATEWAY_MAX_TOKENS ?? 5000,
      },
      natsUrl: env.NATS_URL ?? 'nats://127.0.0.1:4222',
      eventsPrefix: env.EVENTS_PREFIX ?? 'commerce',
      subscriptions: {
        maxPerConnection: env.GATEWAY_WS_MAX_SUBSCRIPTIONS ?? 20,
        keepAliveMs: env.GATEWAY_WS_KEEPALIVE_MS ?? 12_000,
        resolveConcurrency: env.GATEWAY_SUBSCRIPTION_RESOLVE_CONCURRENCY ?? 32,
      },
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
