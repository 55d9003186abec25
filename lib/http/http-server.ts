import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logger.js';
import { runReadinessChecks, type ReadinessCheck } from './health.js';
import { sendJson } from './respond.js';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

export interface HttpServerOptions {
  graphqlPath?: string;
  graphql: RequestHandler;
  readiness: ReadinessCheck[];
  /** Extra routes by exact path, e.g. a playground. */
  routes?: Record<string, RequestHandler>;
  logger: Logger;
}

/**
 * The HTTP front of every service: `/graphql`, `/health` (the process is alive),
 * `/ready` (its dependencies answer) and any extra routes.
 */
export function createHttpServer(opts: HttpServerOptions): Server {
  const graphqlPath = opts.graphqlPath ?? '/graphql';
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    const handle = async () => {
      if (path === graphqlPath) return opts.graphql(req, res);
      if (path === '/health') return sendJson(res, 200, { status: 'ok' });
      if (path === '/ready') {
        const report = await runReadinessChecks(opts.readiness);
        return sendJson(res, report.ready ? 200 : 503, report);
      }
      const route = opts.routes?.[path];
      if (route) return route(req, res);
      sendJson(res, 404, { error: `No route for ${path}; GraphQL is served at ${graphqlPath}.` });
    };
    Promise.resolve(handle()).catch((err: unknown) => {
      opts.logger.error({ err, path }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      else res.destroy();
    });
  });
  // Clients such as the gateway keep connections open; outlive their idle timeouts to avoid resets.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return server;
}

/** Listens and resolves with the bound port; a taken port rejects with a message that says so. */
export function listen(server: Server, port: number, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (err.code === 'EADDRINUSE') reject(new Error(`Port ${port} on ${host} is already in use. Stop what holds it or choose another port.`));
      else reject(err);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/** Stops accepting, lets in-flight requests finish, then drops idle keep-alive connections. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!server.listening) return resolve();
    server.close((err) => (err ? reject(err) : resolve()));
    server.closeIdleConnections();
  });
}
