import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode } from '../../../lib/errors.js';
import { sendJson } from '../../../lib/http/respond.js';
import { rateLimitedMessage, type Budget } from './rate-limits.js';

export const API_RATE_LIMITED = 'Too many requests from this client';

/**
 * The whole-API budget in front of the HTTP GraphQL handler: a client over it gets 429 with
 * `Retry-After` before its body is read, so a flood costs the gateway a map lookup per request.
 */
export function limitRequestRate(
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  budget: Budget,
  clientOf: (req: IncomingMessage) => string,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const retryAfterSeconds = await budget.spend(clientOf(req));
    if (retryAfterSeconds === undefined) return handler(req, res);
    req.resume();
    res.setHeader('retry-after', String(retryAfterSeconds));
    sendJson(res, 429, {
      errors: [{ message: rateLimitedMessage(API_RATE_LIMITED, retryAfterSeconds), extensions: { code: ErrorCode.RATE_LIMITED, retryAfterSeconds } }],
    });
  };
}
