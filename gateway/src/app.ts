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
import type { GatewayConfig } from './config.js';
import { createContextFactory, type GatewayContext } from './context.js';
import { domainErrorOf, operationLimitRules, operationParseOptions } from './limits.js';
import { subgraphReadinessChecks } from './readiness.js';
import { SubgraphDataSource } from './subgraph-data-source.js';
import { refuseSubscriptionsOverHttp } from './subscriptions/http-refusal-plugin.js';
import { createSubscriptionServer, type SubscriptionServer } from './subscriptions/subscription-server.js';
import { routingUrls } from './supergraph.js';

export interface GatewayApp {
  logger: Logger;
  subscriptions: SubscriptionServer;
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

  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name }) => {
      const sub = config.subgraphs[name as SubgraphName];
      if (!sub) throw new Error(`The supergraph names a subgraph "${name}" that the gateway has no configuration for.`);
      return new SubgraphDataSource({ name, url: urls[name as SubgraphName], secret: sub.secret, timeoutMs: config.subgraphTimeoutMs });
    },
  });

  let graphql: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  const httpServer = createHttpServer({
    logger,
    graphql: (req, res) => graphql(req, res),
    readiness: subgraphReadinessChecks(urls),
  });

  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    introspection: true,
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
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer }), ApolloServerPluginLandingPageDisabled(), refuseSubscriptionsOverHttp()],
  });
  graphql = createGraphQLHandler(apollo, { maxBodyBytes: config.maxBodyBytes, context: createContextFactory(verify) });

  const subscriptions = createSubscriptionServer({
    config,
    httpServer,
    gateway,
    verify,
    logger,
    executeOperation: async ({ query, operationName, variables }, contextValue) => {
      const response = await apollo.executeOperation({ query, variables, operationName: operationName ?? undefined }, { contextValue });
      if (response.body.kind !== 'single') throw new Error('The gateway answered incrementally; graphql-ws results here are single.');
      return response.body.singleResult;
    },
  });

  let started = false;
  return {
    logger,
    subscriptions,
    async start() {
      if (!started) {
        await apollo.start();
        started = true;
        await subscriptions.start();
      }
      return listen(httpServer, config.port, config.host);
    },
    async stop() {
      // Sockets first: upgraded connections would otherwise hold the HTTP server's drain open.
      await subscriptions.stop();
      if (started) await apollo.stop();
      await closeServer(httpServer);
    },
  };
}
