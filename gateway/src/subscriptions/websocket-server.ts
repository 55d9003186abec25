import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { CloseCode, type Context, type OperationResult } from 'graphql-ws';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import {
  getOperationAST,
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  type DocumentNode,
  type ExecutionArgs,
  type FormattedExecutionResult,
  type GraphQLSchema,
} from 'graphql';
import { WebSocketServer } from 'ws';
import type { TokenVerifier } from '../../../lib/auth/jwt.js';
import { ErrorCode, withoutSuggestions } from '../../../lib/errors.js';
import type { Logger } from '../../../lib/logger.js';
import { checkOperationCost, operationLimitRules, operationParseOptions, type OperationLimits } from '../limits.js';
import { API_RATE_LIMITED } from '../security/api-rate-limit.js';
import { rateLimitedError, rateLimitedMessage, type Budget } from '../security/rate-limits.js';
import { authenticateConnection, CloseReason } from './connection-auth.js';
import { ConnectionSession } from './connection-session.js';
import type { ExecuteOperation } from './order-resolver.js';
import type { OrderSubscription } from './order-subscription.js';
import { ValidatedDocuments } from './validated-documents.js';

export interface WebSocketServerOptions {
  httpServer: Server;
  path: string;
  verify: TokenVerifier;
  /** The gateway's API schema, once loaded. */
  schema: () => GraphQLSchema | undefined;
  limits: OperationLimits;
  /** Off: `__schema` and `__type` are refused here as Apollo refuses them on HTTP. */
  introspection: boolean;
  /** The whole-API budget: a connection spends one point, and so does each operation it sends. */
  apiBudget: Budget;
  clientAddress: (req: IncomingMessage) => string;
  maxSubscriptionsPerConnection: number;
  keepAliveMs: number;
  /** Larger messages close the socket (1009) before they are parsed. */
  maxPayloadBytes: number;
  production: boolean;
  /** Starts a subscription, or refuses it with a result (an error) that ends it at once. */
  subscribe(args: { document: DocumentNode; operationName?: string | null; variables: Record<string, unknown> }, session: ConnectionSession): OrderSubscription | FormattedExecutionResult;
  /** Queries and mutations over the socket run through the gateway like HTTP ones. */
  executeOperation: ExecuteOperation;
  logger: Logger;
}

type SessionExtra = Extra & { session?: ConnectionSession; clientAddress?: string };
type SocketContext = Context<Record<string, unknown>, SessionExtra>;

/** What graphql-ws carries from `onSubscribe` to `subscribe`/`execute` for one operation. */
interface OperationContext {
  session: ConnectionSession;
  query: string;
  operationName?: string | null;
  variables: Record<string, unknown>;
  clientAddress?: string;
}

/** How long a closing gateway waits for clients to answer the close before dropping them. */
const DISPOSE_GRACE_MS = 3000;

/**
 * graphql-ws types results as graphql-js makes them (with GraphQLError objects); ours are already
 * formatted, and `onNext` below sends them as they are.
 */
const formatted = (result: FormattedExecutionResult | AsyncIterable<FormattedExecutionResult>) => result as unknown as OperationResult;

const errorWithCode = (message: string, code: string) => new GraphQLError(message, { extensions: { code } });

/**
 * graphql-ws on the HTTP server's own port and path. The token is checked once at
 * `connection_init` (4403 and a reason when it is missing or bad), operations are parsed and
 * validated with the same limits as HTTP, and each connection holds a bounded number of them.
 */
export function createWebSocketServer(opts: WebSocketServerOptions) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxPayloadBytes });
  const rules = [...operationLimitRules(opts.limits), ...(opts.introspection ? [] : [NoSchemaIntrospectionCustomRule])];
  const documents = new ValidatedDocuments(rules, operationParseOptions(opts.limits));
  let stopping = false;

  const server = useServer<Record<string, unknown>, { session: ConnectionSession; clientAddress: string }>(
    {
      isProd: opts.production,
      async onConnect(ctx) {
        const client = opts.clientAddress(ctx.extra.request);
        ctx.extra.clientAddress = client;
        const wait = await opts.apiBudget.spend(client);
        if (wait) {
          ctx.extra.socket.close(CloseCode.TooManyInitialisationRequests, rateLimitedMessage(API_RATE_LIMITED, wait));
          return false;
        }
        const auth = await authenticateConnection(opts.verify, ctx.connectionParams);
        if ('refused' in auth) {
          opts.logger.debug({ reason: auth.refused }, 'WebSocket connection refused');
          // graphql-ws closes with 4403 when onConnect returns false; closing first sets a reason that says why.
          ctx.extra.socket.close(CloseCode.Forbidden, auth.refused);
          return false;
        }
        ctx.extra.session = new ConnectionSession(auth, (session) => {
          opts.logger.debug({ customerId: session.identity.customerId }, 'token expired; closing its WebSocket');
          closeWhenIdle(ctx, CloseCode.Forbidden, CloseReason.expired);
        });
        return true;
      },
      onClose(ctx) {
        ctx.extra.session?.close();
      },
      async onSubscribe(ctx, _id, payload) {
        const session = ctx.extra.session;
        if (!session || session.expired) return [errorWithCode('Your token expired; reconnect with a fresh one.', ErrorCode.UNAUTHENTICATED)];
        const wait = await opts.apiBudget.spend(ctx.extra.clientAddress ?? 'unknown');
        if (wait) return [rateLimitedError(API_RATE_LIMITED, wait, { http: false })];
        // graphql-ws registers the operation before this hook, so the count includes it.
        if (Object.keys(ctx.subscriptions).length > opts.maxSubscriptionsPerConnection) {
          return [errorWithCode(`A connection may hold at most ${opts.maxSubscriptionsPerConnection} operations at once; complete one first.`, ErrorCode.OPERATION_LIMIT_EXCEEDED)];
        }
        const schema = opts.schema();
        if (!schema) return [errorWithCode('The gateway is still loading its schema; retry shortly.', ErrorCode.INTERNAL_SERVER_ERROR)];
        const validated = documents.get(schema, payload.query);
        if ('errors' in validated) return validated.errors;
        const { document } = validated;
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) return [errorWithCode('Unable to identify the operation to run; set operationName.', 'BAD_REQUEST')];
        const tooCostly = checkOperationCost(schema, document, operation, payload.variables, opts.limits.maxCost);
        if (tooCostly) return [tooCostly];
        const contextValue: OperationContext = {
          session,
          query: payload.query,
          operationName: payload.operationName,
          variables: payload.variables ?? {},
          clientAddress: ctx.extra.clientAddress,
        };
        return { schema, document, operationName: payload.operationName, variableValues: payload.variables, contextValue } satisfies ExecutionArgs;
      },
      subscribe(args) {
        const { session, operationName, variables } = args.contextValue as OperationContext;
        const started = opts.subscribe({ document: args.document, operationName, variables }, session);
        if (!('stream' in started)) return formatted(started);
        session.track(started);
        return formatted(started.stream);
      },
      async execute(args) {
        const { session, query, operationName, variables, clientAddress } = args.contextValue as OperationContext;
        return formatted(await opts.executeOperation({ query, operationName, variables }, { identity: session.identity, requestId: randomUUID(), clientAddress }));
      },
      // Errors refused before execution (validation, limits) never pass Apollo's formatError; in
      // production they lose their suggestions here the same way.
      onError: opts.production ? (_ctx, _id, _payload, errors) => errors.map((e) => ({ ...e.toJSON(), message: withoutSuggestions(e.message) })) : undefined,
      // Results are already formatted (Apollo's formatError, or built here); graphql-ws would call toJSON on them.
      onNext: (_ctx, _id, _payload, _args, result) => result as FormattedExecutionResult,
    },
    wss,
    opts.keepAliveMs,
  );

  /** Closes after the subscriptions' last messages (error, complete) are on the wire. */
  function closeWhenIdle(ctx: SocketContext, code: number, reason: string, waitedMs = 0): void {
    if (Object.keys(ctx.subscriptions).length === 0 || waitedMs >= 1000) {
      ctx.extra.socket.close(code, reason);
      return;
    }
    setTimeout(() => closeWhenIdle(ctx, code, reason, waitedMs + 10), 10).unref();
  }

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (stopping || path !== opts.path) {
      socket.end(`HTTP/1.1 ${stopping ? '503 Service Unavailable' : '404 Not Found'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  };

  return {
    get connections(): number {
      return wss.clients.size;
    },
    start(): void {
      opts.httpServer.on('upgrade', onUpgrade);
    },
    /** Refuses new sockets, closes open ones with 1001 "Going away", and drops those that do not answer. */
    async stop(): Promise<void> {
      if (stopping) return;
      stopping = true;
      opts.httpServer.off('upgrade', onUpgrade);
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, DISPOSE_GRACE_MS)));
      await Promise.race([server.dispose(), grace]).catch((err: unknown) => opts.logger.warn({ err }, 'closing WebSockets failed'));
      clearTimeout(timer);
      for (const socket of wss.clients) socket.terminate();
    },
  };
}

export type GatewayWebSocketServer = ReturnType<typeof createWebSocketServer>;
