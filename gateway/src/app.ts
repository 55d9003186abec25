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
import { subgraphReadinessChecks } from './readiness.js';
import { SubgraphDataSource } from './subgraph-data-source.js';
import { routingUrls } from './supergraph.js';

export interface GatewayApp {
  logger: Logger;
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
      return new SubgraphDataSource(urls[name as SubgraphName], sub.secret);
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
    includeStacktraceInErrorResponses: !config.production,
    formatError: (formatted, error) =>
      formatError(formatted, error, {
        mask: config.production,
        onUnexpected: (err) => logger.error({ err }, 'unexpected error at the gateway'),
      }),
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer }), ApolloServerPluginLandingPageDisabled()],
  });
  graphql = createGraphQLHandler(apollo, { maxBodyBytes: config.maxBodyBytes, context: createContextFactory(verify) });

  let started = false;
  return {
    logger,
    async start() {
      if (!started) {
        await apollo.start();
        started = true;
      }
      return listen(httpServer, config.port, config.host);
    },
    async stop() {
      if (started) await apollo.stop();
      await closeServer(httpServer);
    },
  };
}
