/**
 * A Hive Gateway peer of our gateway, for side-by-side benchmarks: `@graphql-hive/gateway`'s runtime
 * serving the same composed supergraph over the same running subgraphs, with the same trust
 * boundary (subgraph secrets, identity headers from a verified ES256 JWT) and Hive's defaults
 * otherwise, so a comparison measures the gateways rather than their settings.
 *
 *   HIVE_GATEWAY_PORT=4100 node --import tsx bench/peers/hive-gateway.ts
 *
 * Serves `/graphql`, `/readiness` (200 once the supergraph is loaded) and `/healthcheck`.
 */
import { readFileSync } from 'node:fs';
import { createServer, type RequestListener } from 'node:http';
import { resolve } from 'node:path';
import { z } from 'zod';
import { identityHeaders, IdentityHeader, type Identity } from '../../lib/auth/identity.js';
import { JWT_ALG } from '../../lib/auth/jwt.js';
import { booleanFromEnv, envName, parseEnv, SUBGRAPH_NAMES, type Env, type SubgraphName } from '../../lib/config.js';
import { toGraphQLError, unauthenticated } from '../../lib/errors.js';
import { REPO_ROOT } from '../../lib/graphql/load-schema.js';
import { closeServer, listen } from '../../lib/http/http-server.js';
import { createLogger } from '../../lib/logger.js';
import { stopOnSignals } from '../../lib/main.js';

/** The peer's settings, parsed once; names and defaults follow gateway/src/config.ts where they overlap. */
function loadPeerConfig(env: Env) {
  const subgraph = z.object({
    url: z.string().url(),
    // Hive interpolates `{…}` in transport headers (e.g. `{env.X}`): a secret holding braces would be rewritten.
    secret: z.string().min(8).regex(/^[^{}]+$/, 'must not contain { or }'),
  });
  return parseEnv(
    z.object({
      port: z.coerce.number().int().min(1).max(65535),
      supergraphPath: z.string().min(1),
      jwtPublicKey: z.string().includes('PUBLIC KEY', { message: 'must be an SPKI PEM (ES256) public key' }),
      jwtIssuer: z.string().min(1),
      jwtAudience: z.string().min(1),
      /** Hive shares identical subgraph requests in flight by default; `HIVE_DEDUPLICATE=false` turns it off, for like-for-like runs. */
      deduplicate: booleanFromEnv,
      subgraphs: z.object(Object.fromEntries(SUBGRAPH_NAMES.map((n) => [n, subgraph])) as Record<SubgraphName, typeof subgraph>),
    }),
    {
      port: env.HIVE_GATEWAY_PORT,
      supergraphPath: resolve(REPO_ROOT, env.SUPERGRAPH_PATH ?? 'schema/supergraph.graphql'),
      jwtPublicKey: env.JWT_PUBLIC_KEY ?? '',
      // Our tokens carry these (lib/auth/jwt.ts); our gateway refuses others, so the peer does too.
      jwtIssuer: env.JWT_ISSUER ?? 'commerce-order',
      jwtAudience: env.JWT_AUDIENCE ?? 'commerce-gateway',
      deduplicate: env.HIVE_DEDUPLICATE ?? 'true',
      subgraphs: Object.fromEntries(
        SUBGRAPH_NAMES.map((n) => [n, { url: env[envName(n, 'URL')], secret: env[envName(n, 'GATEWAY_SECRET')] }]),
      ),
    },
    'hive-gateway peer',
  );
}

/**
 * The slice of `@graphql-hive/gateway` this peer uses. The module is loaded without its types on
 * purpose: its declarations pull `lib.dom` (via @whatwg-node/fetch) and graphql-yoga's augmentation
 * of `GraphQLErrorExtensions` into the whole program, which retypes `performance` and `http` error
 * extensions in code that never sees Hive and breaks `npm run typecheck` there.
 */
interface HiveGatewayApi {
  createGatewayRuntime(config: Record<string, unknown>): RequestListener & { dispose(): Promise<void> | void };
  useJWT(options: Record<string, unknown>): unknown;
  createInlineSigningKeyProvider(key: string): unknown;
  extractFromHeader(options: { name: string; prefix?: string }): unknown;
}
const HIVE_GATEWAY: string = '@graphql-hive/gateway';

interface PeerContext {
  /** What Hive's JWT plugin verified (`extendContext` defaults to the `jwt` field). */
  jwt?: { payload: Record<string, unknown> };
  /** Set for every operation once its token (if any) is verified; null for an anonymous caller. */
  identity?: Identity | null;
}

/** A Hive (envelop) plugin hook, typed for what this file reads and writes. */
interface ContextBuildingPlugin {
  onContextBuilding(payload: { context: PeerContext; extendContext(extension: Partial<PeerContext>): void }): void;
}

/**
 * Hive's JWT plugin checks signature, algorithm, expiry (when present), issuer and audience; our
 * verifier also requires `sub`, `exp` and a known role (lib/auth/jwt.ts), checked here so the peer
 * admits exactly the tokens our gateway admits.
 */
function useIdentityFromClaims(): ContextBuildingPlugin {
  return {
    onContextBuilding({ context, extendContext }) {
      const claims = context.jwt?.payload;
      if (!claims) return extendContext({ identity: null });
      const { sub, exp, role } = claims;
      if (typeof sub !== 'string' || typeof exp !== 'number' || (role !== 'CUSTOMER' && role !== 'ADMIN')) {
        throw toGraphQLError(unauthenticated('The token is invalid or has expired; log in again.'), 401);
      }
      extendContext({ identity: { customerId: sub, role } });
    },
  };
}

const config = loadPeerConfig(process.env);
const logger = createLogger('hive-gateway', 'warn');
// Hive's logger reads LOG_LEVEL itself and throws on levels our services use ('silent', 'fatal');
// the peer logs at `warn` whatever it says, so the variable is ours, not Hive's.
delete process.env.LOG_LEVEL;
const hive = (await import(HIVE_GATEWAY)) as HiveGatewayApi;

const runtime = hive.createGatewayRuntime({
  supergraph: readFileSync(config.supergraphPath, 'utf8'),
  // Static per subgraph: where it is (overriding the supergraph's join__graph URL) and its secret.
  transportEntries: Object.fromEntries(
    SUBGRAPH_NAMES.map((n) => [
      n,
      {
        location: config.subgraphs[n].url,
        headers: [[IdentityHeader.gatewaySecret, config.subgraphs[n].secret]],
        ...(config.deduplicate ? {} : { options: { deduplicateInflightRequests: false } }),
      },
    ]),
  ),
  // Per request: only what the gateway verified. Hive forwards no client header unless told to,
  // so a client's own x-user-* or x-gateway-secret never reaches a subgraph.
  propagateHeaders: {
    fromClientToSubgraphs: ({ context }: { context: PeerContext }) => identityHeaders(context.identity ?? null),
  },
  plugins: () => [
    hive.useJWT({
      signingKeyProviders: [hive.createInlineSigningKeyProvider(config.jwtPublicKey)],
      tokenLookupLocations: [hive.extractFromHeader({ name: 'authorization', prefix: 'Bearer' })],
      tokenVerification: { algorithms: [JWT_ALG], issuer: config.jwtIssuer, audience: config.jwtAudience },
      // As our gateway: no token is an anonymous caller, a bad one is refused whole (401).
      reject: { missingToken: false, invalidToken: true },
      // Subgraphs read identity from headers; the claims in each request's extensions would be dead weight.
      forward: { payload: false, token: false },
    }),
    useIdentityFromClaims(),
  ],
  logging: 'warn',
  landingPage: false,
  graphiql: false,
});

const server = createServer(runtime);
await listen(server, config.port);
stopOnSignals(async () => {
  await closeServer(server);
  await runtime.dispose();
}, logger);
