import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { DocumentNode } from 'graphql';
import { hasGatewaySecret, identityFromHeaders, IdentityHeader, type Identity } from '../auth/identity.js';
import { requestScope, type Orm } from '../db/orm.js';
import { formatError } from '../errors.js';
import { createGraphQLHandler } from '../http/graphql-handler.js';
import { closeServer, createHttpServer, listen } from '../http/http-server.js';
import type { ReadinessCheck } from '../http/health.js';
import { sendJson } from '../http/respond.js';
import type { Logger } from '../logger.js';
import { requestLogPlugin } from '../graphql/request-log-plugin.js';
import { graphqlMetricsPlugin } from '../metrics/graphql-metrics-plugin.js';
import { metricsRoute } from '../metrics/metrics-route.js';
import { createMetricsRegistry } from '../metrics/registry.js';
import type { Registry } from 'prom-client';

/** What every resolver of every subgraph receives. */
export interface SubgraphContext<Loaders> {
  /** A fresh EntityManager for this request only: no identity map shared across requests. */
  em: EntityManager;
  identity: Identity | null;
  loaders: Loaders;
  requestId: string;
  logger: Logger;
}

export interface SubgraphServerOptions<Loaders> {
  name: string;
  typeDefs: DocumentNode;
  resolvers: GraphQLResolverMap<SubgraphContext<Loaders>>;
  orm: Orm;
  /** Requests without this value in `x-gateway-secret` get 401 before anything is parsed. */
  gatewaySecret: string;
  createLoaders: (em: EntityManager) => Loaders;
  logger: Logger;
  maskErrors: boolean;
  maxBodyBytes?: number;
  readiness?: ReadinessCheck[];
}

export interface SubgraphServer {
  httpServer: Server;
  apollo: ApolloServer<SubgraphContext<unknown>>;
  /** The service's Prometheus registry, served at `/metrics`; the app adds its own metrics to it. */
  metrics: Registry;
  /** Starts Apollo and listens; resolves with the bound port (0 picks a free one). */
  listen(port: number, host?: string): Promise<number>;
  /** Drains HTTP and stops Apollo; the caller closes the ORM and NATS after. */
  stop(): Promise<void>;
  /** GraphQL requests so far: `refused` lacked the gateway's secret, `accepted` had it and went on to Apollo. */
  readonly requests: { readonly accepted: number; readonly refused: number };
  /**
   * Calls `listener` with the headers of each accepted request (the identity and request id the
   * gateway sent), so a test can tell which of its requests reached this subgraph. Returns a
   * function that stops it.
   */
  onAccepted(listener: (headers: IncomingHttpHeaders) => void): () => void;
}

/** Builds a subgraph's HTTP + GraphQL server without listening. */
export function createSubgraphServer<Loaders>(opts: SubgraphServerOptions<Loaders>): SubgraphServer {
  const schema = buildSubgraphSchema([{ typeDefs: opts.typeDefs, resolvers: opts.resolvers as GraphQLResolverMap<unknown> }]);
  // The HTTP server exists first so Apollo's drain plugin can close it; its handler is bound below.
  let graphql: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  const requests = { accepted: 0, refused: 0 };
  const listeners = new Set<(headers: IncomingHttpHeaders) => void>();
  const metrics = createMetricsRegistry(opts.name);
  let stopping = false;
  const httpServer = createHttpServer({
    logger: opts.logger,
    routes: { '/metrics': metricsRoute(metrics, opts.logger) },
    graphql: (req, res) => {
      // Checked before the body is read or parsed: without the gateway's secret nothing executes,
      // not even `_service` or `_entities`.
      if (!hasGatewaySecret(req.headers, opts.gatewaySecret)) {
        requests.refused++;
        req.resume();
        return sendJson(res, 401, { errors: [{ message: 'This subgraph answers only the gateway.', extensions: { code: 'UNAUTHENTICATED' } }] });
      }
      requests.accepted++;
      for (const listener of listeners) listener(req.headers);
      return requestScope.run(true, () => graphql(req, res));
    },
    readiness: [
      { name: 'database', check: () => opts.orm.orm.em.getConnection().execute('select 1') },
      ...(opts.readiness ?? []),
      // The gateway (and any balancer) stops counting on this replica as soon as shutdown begins.
      {
        name: 'running',
        check: async () => {
          if (stopping) throw new Error('shutting down');
        },
      },
    ],
  });

  const apollo = new ApolloServer<SubgraphContext<Loaders>>({
    schema,
    // Only the gateway reaches a subgraph (secret below) and it needs `_service` / introspection.
    introspection: true,
    // The process owner decides when to stop (lib/main.ts, npm start); Apollo must not exit on its own.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: !opts.maskErrors,
    formatError: (formatted, error) =>
      formatError(formatted, error, {
        mask: opts.maskErrors,
        onUnexpected: (err) => opts.logger.error({ err }, 'unexpected error in resolver'),
      }),
    // No Apollo Studio here: inline traces would only cost CPU on every request.
    // No cache hints either: no type or field has `@cacheControl`, so every answer is
    // `cache-control: no-store`, and the gateway reads a missing header the same way (max-age 0).
    // The plugin's per-field hook was the only one, so without it Apollo leaves resolvers unwrapped.
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginInlineTraceDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      requestLogPlugin(opts.logger),
      graphqlMetricsPlugin(metrics),
    ],
  });

  graphql = createGraphQLHandler(apollo, {
    maxBodyBytes: opts.maxBodyBytes ?? 1_000_000,
    // Only the gateway gets this far (its secret is checked first), so its trace context is trusted.
    span: { name: `${opts.name} graphql`, continueTrace: true },
    context: async (req) => {
      const em = opts.orm.orm.em.fork() as EntityManager;
      const requestId = (req.headers[IdentityHeader.requestId] as string | undefined) ?? randomUUID();
      return {
        em,
        identity: identityFromHeaders(req.headers),
        loaders: opts.createLoaders(em),
        requestId,
        logger: opts.logger.child({ requestId }),
      };
    },
  });

  let started = false;
  return {
    httpServer,
    apollo: apollo as unknown as ApolloServer<SubgraphContext<unknown>>,
    metrics,
    async listen(port, host) {
      if (!started) {
        await apollo.start();
        started = true;
      }
      return listen(httpServer, port, host);
    },
    async stop() {
      stopping = true;
      if (started) await apollo.stop();
      await closeServer(httpServer);
    },
    requests,
    onAccepted(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}
