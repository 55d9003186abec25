import { resolve } from 'node:path';
import { z } from 'zod';
import { booleanFromEnv, DEFAULT_PORTS, envName, parseEnv, SUBGRAPH_NAMES, type Env, type SubgraphName } from '../../lib/config.js';
import { REPO_ROOT } from '../../lib/graphql/load-schema.js';
import { BATCHES_IN_FLIGHT } from './subscriptions/order-batcher.js';

/** The gateway's settings, parsed once from the environment. */
export function loadGatewayConfig(env: Env) {
  const production = env.NODE_ENV === 'production';
  const subgraph = z.object({
    /** Overrides the routing URL composed into the supergraph (`<NAME>_URL`). */
    url: z.string().url().optional(),
    secret: z.string().min(production ? 32 : 8),
  });
  /** "points/seconds": that many requests per key in each window of that many seconds. */
  const rateLimit = z
    .string()
    .regex(/^\d+\/\d+$/, 'must be "<requests>/<seconds>", e.g. "3000/60"')
    .transform((v) => {
      const [points, durationSeconds] = v.split('/').map(Number);
      return { points, durationSeconds };
    })
    .refine((l) => l.points > 0 && l.durationSeconds > 0, 'requests and seconds must both be positive');
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
      /** Schema introspection (`__schema`, `__type`), over HTTP and WebSocket; off by default in production. */
      introspection: booleanFromEnv,
      /**
       * The self-hosted GraphiQL at `/` and `/playground` (playground/); by default on exactly when
       * introspection is, since its editor and docs are built from the introspected schema.
       */
      playground: booleanFromEnv,
      /**
       * How long the gateway waits for a subgraph before serving the rest without its fields
       * (subgraph-data-source.ts): long enough for a busy service to answer, short enough that a
       * hung one does not hold every response that touches it.
       */
      subgraphTimeoutMs: z.coerce.number().int().positive(),
      /** Identical subgraph queries in flight at once (same caller, operation and variables) share one request (inflight-queries.ts). */
      deduplicateQueries: booleanFromEnv,
      /** The same limits guard HTTP and WebSocket operations (see limits.ts). */
      limits: z.object({
        maxDepth: z.coerce.number().int().positive(),
        maxAliases: z.coerce.number().int().nonnegative(),
        maxRootFields: z.coerce.number().int().positive(),
        maxTokens: z.coerce.number().int().positive(),
        maxCost: z.coerce.number().int().positive(),
      }),
      /**
       * Budgets per client, in this process's memory (security/rate-limits.ts): each gateway replica
       * keeps its own, so N replicas behind a balancer allow up to N times these.
       */
      rateLimits: z.object({
        /** Every HTTP request to /graphql, and every WebSocket connection and operation, per client address. */
        api: rateLimit,
        /** `login` fields per client address, spent before the password is checked. */
        loginPerAddress: rateLimit,
        /** Failed `login` fields per email, from any address; a successful login gives its point back. */
        loginPerEmail: rateLimit,
        /** `registerCustomer` fields per client address. */
        registerPerAddress: rateLimit,
      }),
      /**
       * Reverse proxies in front of the gateway that append to X-Forwarded-For. 0 trusts none: the
       * client is the TCP peer, and a client-sent X-Forwarded-For changes nothing.
       */
      trustedProxies: z.coerce.number().int().min(0).max(10),
      /** Same meaning and defaults as the subgraphs' (lib/config.ts): subscriptions follow their events. */
      natsUrl: z.string().min(1),
      eventsPrefix: z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only'),
      subscriptions: z.object({
        /** Subscriptions one WebSocket may hold at once; more are refused with OPERATION_LIMIT_EXCEEDED. */
        maxPerConnection: z.coerce.number().int().positive(),
        /** Ping interval; a socket that misses a pong for as long is dropped. 0 turns pings off. */
        keepAliveMs: z.coerce.number().int().nonnegative(),
        /** Batched operations the gateway runs at once to resolve subscription states; the rest queue and batch. */
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
      introspection: env.GATEWAY_INTROSPECTION ?? (production ? 'false' : 'true'),
      playground: env.GATEWAY_PLAYGROUND ?? env.GATEWAY_INTROSPECTION ?? (production ? 'false' : 'true'),
      subgraphTimeoutMs: env.GATEWAY_SUBGRAPH_TIMEOUT_MS ?? 10_000,
      deduplicateQueries: env.GATEWAY_DEDUPLICATE_QUERIES ?? 'true',
      limits: {
        maxDepth: env.GATEWAY_MAX_DEPTH ?? 12,
        maxAliases: env.GATEWAY_MAX_ALIASES ?? 30,
        maxRootFields: env.GATEWAY_MAX_ROOT_FIELDS ?? 20,
        maxTokens: env.GATEWAY_MAX_TOKENS ?? 5000,
        maxCost: env.GATEWAY_MAX_COST ?? 10_000,
      },
      rateLimits: {
        api: env.GATEWAY_RATE_LIMIT ?? '3000/60',
        loginPerAddress: env.GATEWAY_RATE_LIMIT_LOGIN ?? '30/600',
        loginPerEmail: env.GATEWAY_RATE_LIMIT_LOGIN_EMAIL ?? '10/900',
        registerPerAddress: env.GATEWAY_RATE_LIMIT_REGISTER ?? '30/3600',
      },
      trustedProxies: env.GATEWAY_TRUSTED_PROXIES ?? 0,
      natsUrl: env.NATS_URL ?? 'nats://127.0.0.1:4222',
      eventsPrefix: env.EVENTS_PREFIX ?? 'commerce',
      subscriptions: {
        maxPerConnection: env.GATEWAY_WS_MAX_SUBSCRIPTIONS ?? 20,
        keepAliveMs: env.GATEWAY_WS_KEEPALIVE_MS ?? 12_000,
        resolveConcurrency: env.GATEWAY_SUBSCRIPTION_RESOLVE_CONCURRENCY ?? BATCHES_IN_FLIGHT,
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
