import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import { ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import { extractTraceContext, inSpan } from '../observability/tracing.js';
import { sendJson } from './respond.js';

export interface GraphQLHandlerOptions<Ctx extends BaseContext> {
  context: (req: IncomingMessage) => Promise<Ctx>;
  /** Bodies above this size are refused with 413 before they are buffered whole. */
  maxBodyBytes: number;
  /**
   * Each request runs in a server span of this name. With `continueTrace` it continues the trace
   * the caller sent in `traceparent` (a subgraph, called by the gateway); without, every request
   * starts a trace (the gateway: a client's trace ids are not trusted at the edge).
   */
  span: { name: string; continueTrace: boolean };
}

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new BodyTooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyTooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Serves an ApolloServer on Node's own http server. Apollo Server 5 leaves the HTTP framework
 * to the host; this is the whole integration, and keeping it small keeps the hot path lean.
 */
export function createGraphQLHandler<Ctx extends BaseContext>(
  server: ApolloServer<Ctx>,
  opts: GraphQLHandlerOptions<Ctx>,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return (req, res) => {
    const parent = opts.span.continueTrace ? extractTraceContext(req.headers) : ROOT_CONTEXT;
    return inSpan(opts.span.name, { kind: SpanKind.SERVER, parent }, () => handle(req, res));
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }

    let body: unknown = undefined;
    if (req.method === 'POST') {
      let text: string;
      try {
        text = await readBody(req, opts.maxBodyBytes);
      } catch (err) {
        if (err instanceof BodyTooLarge) {
          sendJson(res, 413, { errors: [{ message: `Request body is larger than ${opts.maxBodyBytes} bytes.`, extensions: { code: 'BAD_REQUEST' } }] });
          req.resume();
          return;
        }
        throw err;
      }
      const contentType = headers.get('content-type') ?? '';
      if (contentType.includes('application/json')) {
        try {
          body = text.length > 0 ? JSON.parse(text) : {};
        } catch {
          sendJson(res, 400, { errors: [{ message: 'Request body is not valid JSON.', extensions: { code: 'BAD_REQUEST' } }] });
          return;
        }
      } else {
        body = text;
      }
    }

    const url = new URL(req.url ?? '/', 'http://localhost');
    const response = await server.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: (req.method ?? 'GET').toUpperCase(), headers, search: url.search, body },
      context: () => opts.context(req),
    });

    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }
}
