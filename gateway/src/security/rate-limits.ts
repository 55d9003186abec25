import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { GraphQLError } from 'graphql';
import { HeaderMap } from '@apollo/server';
import { AppError, ErrorCode } from '../../../lib/errors.js';

/** `points` requests per key in each window of `durationSeconds`. */
export interface RateLimit {
  points: number;
  durationSeconds: number;
}

export interface RateLimitSettings {
  api: RateLimit;
  loginPerAddress: RateLimit;
  loginPerEmail: RateLimit;
  registerPerAddress: RateLimit;
}

/**
 * One budget per key (a client address, an email), in this process's memory: a fixed window of
 * `points` that refills every `durationSeconds` (rate-limiter-flexible's memory store, which drops
 * a key when its window ends, so idle clients cost nothing).
 */
export class Budget {
  private readonly limiter: RateLimiterMemory;

  constructor(limit: RateLimit) {
    this.limiter = new RateLimiterMemory({ points: limit.points, duration: limit.durationSeconds });
  }

  /** Spends `points` of `key`'s budget; when not enough were left, the whole seconds until the window refills. */
  async spend(key: string, points = 1): Promise<number | undefined> {
    try {
      await this.limiter.consume(key, points);
      return undefined;
    } catch (res) {
      if (res instanceof RateLimiterRes) return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
      throw res;
    }
  }

  /** Gives points back, e.g. for a login that turned out to be right. */
  async refund(key: string, points = 1): Promise<void> {
    await this.limiter.reward(key, points);
  }
}

/** The gateway's budgets, shared by HTTP and WebSocket. */
export interface RateLimits {
  api: Budget;
  loginPerAddress: Budget;
  loginPerEmail: Budget;
  registerPerAddress: Budget;
}

export function createRateLimits(settings: RateLimitSettings): RateLimits {
  return {
    api: new Budget(settings.api),
    loginPerAddress: new Budget(settings.loginPerAddress),
    loginPerEmail: new Budget(settings.loginPerEmail),
    registerPerAddress: new Budget(settings.registerPerAddress),
  };
}

export const rateLimitedMessage = (what: string, retryAfterSeconds: number) => `${what}; retry in ${retryAfterSeconds} s.`;

/**
 * RATE_LIMITED with `extensions.retryAfterSeconds`; on HTTP also status 429 and a `Retry-After`
 * header (Apollo moves `extensions.http` onto the response). The AppError underneath carries the
 * hint through formatError, which in production keeps only a domain error's own details.
 */
export function rateLimitedError(what: string, retryAfterSeconds: number, opts: { http: boolean }): GraphQLError {
  const message = rateLimitedMessage(what, retryAfterSeconds);
  const details = { retryAfterSeconds };
  const http = { status: 429, headers: new HeaderMap([['retry-after', String(retryAfterSeconds)]]) };
  return new GraphQLError(message, {
    extensions: { code: ErrorCode.RATE_LIMITED, ...details, ...(opts.http ? { http } : {}) },
    originalError: new AppError(ErrorCode.RATE_LIMITED, message, details),
  });
}
