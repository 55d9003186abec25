import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { propagation } from '@opentelemetry/api';
import { GraphQLError } from 'graphql';
import { identityHeaders, IdentityHeader } from '../../lib/auth/identity.js';
import type { GatewayContext } from './context.js';
import { InflightQueries, isQueryOperation } from './inflight-queries.js';

export interface SubgraphDataSourceOptions {
  /** The subgraph's name in the supergraph: errors name the service that failed. */
  name: string;
  url: string;
  secret: string;
  /**
   * A subgraph that has not answered within this long is given up on: the fields it would resolve
   * are null and the response carries a DOWNSTREAM_SERVICE_ERROR naming it, while the fields of
   * the other subgraphs are served as usual (`GATEWAY_SUBGRAPH_TIMEOUT_MS`).
   */
  timeoutMs: number;
  /** How requests go out (subgraph-fetcher.ts); Apollo's default client when absent. */
  fetcher?: RemoteGraphQLDataSource['fetcher'];
  /** Identical queries in flight at once share one request (inflight-queries.ts). */
  deduplicateQueries?: boolean;
}

type SubgraphResponse = Awaited<ReturnType<RemoteGraphQLDataSource<GatewayContext>['process']>>;

/** The code of an error that a subgraph caused: it timed out, could not be reached, or broke off. */
export const DOWNSTREAM_SERVICE_ERROR = 'DOWNSTREAM_SERVICE_ERROR';

/**
 * Every subgraph request carries the subgraph's secret and the identity the gateway verified.
 * Nothing the client sent is forwarded, so identity headers cannot be forged from outside.
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  private readonly serviceName: string;
  private readonly secret: string;
  private readonly timeoutMs: number;
  readonly inflight: InflightQueries<SubgraphResponse> | undefined;

  constructor(opts: SubgraphDataSourceOptions) {
    super({ url: opts.url, ...(opts.fetcher ? { fetcher: opts.fetcher } : {}) });
    this.serviceName = opts.name;
    this.secret = opts.secret;
    this.timeoutMs = opts.timeoutMs;
    // A hung subgraph (stopped process, stuck database) must not hold the whole response, nor a
    // socket, forever. The signal covers the response body too, which is read after `fetcher` returns.
    // A shared answer is copied per caller; `http` (the raw response) is read-only and stays shared.
    this.inflight = opts.deduplicateQueries ? new InflightQueries(({ http, ...body }) => ({ ...structuredClone(body), http })) : undefined;
    const fetchWithoutTimeout = this.fetcher;
    this.fetcher = (url, init) => fetchWithoutTimeout(url, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
  }

  override process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<SubgraphResponse> {
    const { query, variables } = options.request;
    if (!this.inflight || !query || !isQueryOperation(query)) return super.process(options);
    const identity = options.context && 'identity' in options.context ? options.context.identity : null;
    const key = JSON.stringify([identity?.customerId ?? null, identity?.role ?? null, query, variables ?? null]);
    return this.inflight.run(key, () => super.process(options));
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const headers = request.http!.headers;
    headers.set(IdentityHeader.gatewaySecret, this.secret);
    // Health checks and schema loading run without a request context.
    if (!context || !('requestId' in context)) return;
    headers.set(IdentityHeader.requestId, context.requestId);
    for (const [name, value] of Object.entries(identityHeaders(context.identity))) headers.set(name, value);
    if (context.traceContext) propagation.inject(context.traceContext, headers, { set: (carrier, key, value) => carrier.set(key, value) });
  }

  /**
   * Transport failures (timeout, refused connection, reset) become one stable error naming the
   * service; answers the subgraph did give (401, 5xx bodies) keep the error Apollo made of them.
   */
  override didEncounterError(error: Error): void {
    if (error instanceof GraphQLError) throw error;
    const timedOut = error.name === 'AbortError' || error.name === 'TimeoutError';
    const why = timedOut ? `did not answer within ${this.timeoutMs} ms` : 'could not be reached';
    throw new GraphQLError(`The ${this.serviceName} service ${why}; the fields it serves are missing from this response.`, {
      originalError: error,
      extensions: { code: DOWNSTREAM_SERVICE_ERROR, serviceName: this.serviceName, reason: timedOut ? 'TIMEOUT' : 'UNREACHABLE' },
    });
  }
}
