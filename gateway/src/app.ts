import { readFile } from 'node:fs/promises';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createTokenVerifier } from '../../lib/auth/jwt.js';
import type { SubgraphName } from '../../lib/config.js';
import { formatError } from '../../lib/errors.js';
import { createGraphQLHandler } from '../../lib/http/graphql-handler.js';
import { closeServer, createHttpServer, listen } from '../../lib/http/http-server.js';
import { createLogger, type Logger } from '../../lib/logger.js';
import { requestLogPlugin } from '../../lib/graphql/request-log-plugin.js';
import { graphqlMetricsPlugin } from '../../lib/metrics/graphql-metrics-plugin.js';
import { metricsRoute } from '../../lib/metrics/metrics-route.js';
import { createMetricsRegistry } from '../../lib/metrics/registry.js';
import type { GatewayConfig } from './config.js';
import { createContextFactory, type GatewayContext } from './context.js';
import { subgraphFetchMetrics } from './metrics/subgraph-fetch-metrics.js';
import { registerSubscriptionMetrics } from './metrics/subscription-metrics.js';
import { createPlaygroundRoutes } from './playground/routes.js';
import { domainErrorOf, operationCostPlugin, operationLimitRules, operationParseOptions } from './limits.js';
import { subgraphReadinessChecks } from './readiness.js';
import { limitRequestRate } from './security/api-rate-limit.js';
import { clientAddress } from './security/client-address.js';
import { credentialRateLimitPlugin } from './security/credential-rate-limit.js';
import { createRateLimits } from './security/rate-limits.js';
import { SubgraphDataSource } from './subgraph-data-source.js';
import { createSubgraphFetcher } from './subgraph-fetcher.js';
import { refuseSubscriptionsOverHttp } from './subscriptions/http-refusal-plugin.js';
import { createSubscriptionServer, type SubscriptionServer } from './subscriptions/subscription-server.js';
import { routingUrls } from './supergraph.js';

export interface GatewayApp {
  logger: Logger;
  subscriptions: SubscriptionServer;
  /** Prepares what the first visitor would otherwise wait for: the playground's bundle, when it is served. */
  warm(): void;
  /** Listens on the configured host and port; resolves with the bound port. */
  start(): Promise<number>;
  stop(): Promise<void>;
}

/** Builds the gateway over the composed supergraph file, without listening. */
export async function createGatewayApp(config: GatewayConfig): Promise<GatewayApp> {
  const logger = createLogger('gateway', config.logLevel);
  const supergraphSdl = await readFile(config.supergraphPath, 'utf8');
  const urls = routingUrls(supergraphSdl, config.subgraphs);
  const verify = await createTokenVerifier(config.jwtPublicKey, { issuer: config.jwtIssuer, audience: config.jwtAudience });
  const rateLimits = createRateLimits(config.rateLimits);
  const clientOf = (req: IncomingMessage) => clientAddress(req, config.trustedProxies);
  const metrics = createMetricsRegistry('gateway');
  const timeFetches = subgraphFetchMetrics(metrics);
  const playground = config.playground ? createPlaygroundRoutes(logger) : undefined;
  let stopping = false;

  // One pool of kept-alive sockets per subgraph host, shared by every request (subgraph-fetcher.ts).
  const subgraphHttp = createSubgraphFetcher({ maxSockets: 256 });
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name }) => {
      const sub = config.subgraphs[name as SubgraphName];
      if (!sub) throw new Error(`The supergraph names a subgraph "${name}" that the gateway has no configuration for.`);
      const source = new SubgraphDataSource({
        name,
        url: urls[name as SubgraphName],
        secret: sub.secret,
        timeoutMs: config.subgraphTimeoutMs,
        fetcher: subgraphHttp.fetcher,
        deduplicateQueries: config.deduplicateQueries,
      });
      timeFetches(name, source);
      return source;
    },
  });

  let graphql: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  const httpServer = createHttpServer({
    logger,
    graphql: (req, res) => graphql(req, res),
    readiness: [
      ...subgraphReadinessChecks(urls),
      { name: 'nats', check: () => subscriptions.ping() },
      // Balancers stop sending new work as soon as shutdown begins, while in-flight work drains.
      {
        name: 'running',
        check: async () => {
          if (stopping) throw new Error('shutting down');
        },
      },
    ],
    routes: { '/metrics': metricsRoute(metrics, logger), ...playground?.routes },
  });

  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    introspection: config.introspection,
    // The process owner decides when to stop (lib/main.ts, npm start); Apollo must not exit on its own.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: !config.production,
    parseOptions: operationParseOptions(config.limits),
    validationRules: operationLimitRules(config.limits),
    formatError: (formatted, error) =>
      formatError(formatted, domainErrorOf(error), {
        mask: config.production,
        onUnexpected: (err) => logger.error({ err }, 'unexpected error at the gateway'),
      }),
    // Apollo's defaults, stated because the edge depends on them: a batch would carry many
    // operations past the per-operation limits at once, and a browser form or a simple GET from
    // another site must not run an operation with a visitor's credentials.
    allowBatchedHttpRequests: false,
    csrfPrevention: true,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      refuseSubscriptionsOverHttp(),
      operationCostPlugin(config.limits.maxCost),
      credentialRateLimitPlugin(rateLimits),
      requestLogPlugin(logger),
      graphqlMetricsPlugin(metrics),
    ],
  });
  graphql = limitRequestRate(
    createGraphQLHandler(apollo, {
      maxBodyBytes: config.maxBodyBytes,
      context: createContextFactory(verify, clientOf),
      span: { name: 'gateway graphql', continueTrace: false },
    }),
    rateLimits.api,
    clientOf,
  );

  const subscriptions = createSubscriptionServer({
    config,
    httpServer,
    gateway,
    verify,
    logger,
    rateLimits,
    clientAddress: clientOf,
    executeOperation: async ({ query, operationName, variables }, contextValue) => {
      const response = await apollo.executeOperation({ query, variables, operationName: operationName ?? undefined }, { contextValue });
      if (response.body.kind !== 'single') throw new Error('The gateway answered incrementally; graphql-ws results here are single.');
      return response.body.singleResult;
    },
  });

  registerSubscriptionMetrics(metrics, subscriptions);

  let started = false;
  return {
    logger,
    subscriptions,
    warm() {
      playground?.warm();
    },
    async start() {
      if (!started) {
        await apollo.start();
        started = true;
        await subscriptions.start();
      }
      return listen(httpServer, config.port, config.host);
    },
    async stop() {
      stopping = true;
      // Sockets first: upgraded connections would otherwise hold the HTTP server's drain open.
      await subscriptions.stop();
      if (started) await apollo.stop();
      await closeServer(httpServer);
      subgraphHttp.close();
    },
  };
}
