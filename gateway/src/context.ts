import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { context, type Context } from '@opentelemetry/api';
import type { Identity } from '../../lib/auth/identity.js';
import type { TokenVerifier } from '../../lib/auth/jwt.js';
import { AppError, ErrorCode, toGraphQLError } from '../../lib/errors.js';

/** What the gateway knows of a request: the verified caller and the request id it forwards. */
export interface GatewayContext {
  identity: Identity | null;
  requestId: string;
  /**
   * The client's address (security/client-address.ts), which its rate-limit budgets are kept by.
   * Absent on operations the gateway runs itself (subscription deliveries): no client pays for those.
   */
  clientAddress?: string;
  /**
   * The context the request's span is active in: subgraph requests carry it as their `traceparent`.
   * Kept here so that header does not depend on async context surviving the query planner's execution.
   */
  traceContext?: Context;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Identity comes only from a verified JWT; a request without `Authorization` is anonymous, one with
 * a bad or expired token is refused whole rather than served as anonymous.
 */
export function createContextFactory(verify: TokenVerifier, clientAddressOf: (req: IncomingMessage) => string) {
  return async (req: IncomingMessage): Promise<GatewayContext> => {
    const sentId = req.headers['x-request-id'];
    const requestId = typeof sentId === 'string' && REQUEST_ID.test(sentId) ? sentId : randomUUID();
    const clientAddress = clientAddressOf(req);
    // The factory runs inside the request's span (lib/http/graphql-handler.ts).
    const traceContext = context.active();
    const header = req.headers.authorization;
    if (!header) return { identity: null, requestId, clientAddress, traceContext };
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw toGraphQLError(new AppError(ErrorCode.UNAUTHENTICATED, 'Authorization must be "Bearer <token>".'), 401);
    try {
      const { customerId, role } = await verify(match[1]);
      return { identity: { customerId, role }, requestId, clientAddress, traceContext };
    } catch {
      throw toGraphQLError(new AppError(ErrorCode.UNAUTHENTICATED, 'The token is invalid or has expired; log in again.'), 401);
    }
  };
}
