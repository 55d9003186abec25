import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';

/** The stable error codes of the public API (DESIGN.md); clients switch on `extensions.code`. */
export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  IDEMPOTENCY_KEY_REUSED: 'IDEMPOTENCY_KEY_REUSED',
  PAYMENT_METHOD_INVALID: 'PAYMENT_METHOD_INVALID',
  RATE_LIMITED: 'RATE_LIMITED',
  OPERATION_LIMIT_EXCEEDED: 'OPERATION_LIMIT_EXCEEDED',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const KNOWN_CODES = new Set<string>([
  ...Object.values(ErrorCode),
  // Apollo's own codes for malformed operations: safe to show as they are.
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  'BAD_REQUEST',
  // A subgraph timed out or could not be reached; the message names it (gateway/src/subgraph-data-source.ts).
  'DOWNSTREAM_SERVICE_ERROR',
]);

/**
 * An expected failure of a domain rule. Services throw it without knowing about GraphQL;
 * the GraphQL layer turns it into an error whose `extensions.code` is `code`.
 */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const badInput = (message: string, details?: Record<string, unknown>) =>
  new AppError(ErrorCode.BAD_USER_INPUT, message, details);
export const unauthenticated = (message = 'You must be signed in.') => new AppError(ErrorCode.UNAUTHENTICATED, message);
export const forbidden = (message = 'You may not access this resource.') => new AppError(ErrorCode.FORBIDDEN, message);
export const notFound = (what: string) => new AppError(ErrorCode.NOT_FOUND, `${what} not found.`);

/** An AppError as a GraphQLError, for code that runs outside resolvers (context, plugins). */
export function toGraphQLError(err: AppError, httpStatus?: number): GraphQLError {
  return new GraphQLError(err.message, {
    extensions: { code: err.code, ...err.details, ...(httpStatus ? { http: { status: httpStatus } } : {}) },
  });
}

/**
 * graphql-js ends some messages with ` Did you mean "name"?`, which maps the schema field by field
 * for anyone without introspection. Apollo's `hideSchemaDetailsFromClientErrors` strips it from
 * validation errors only; variable coercion errors suggest enum values too, so this is applied to
 * every error instead.
 */
export function withoutSuggestions(message: string): string {
  return message.replace(/ ?Did you mean .+\?$/s, '');
}

/**
 * Apollo `formatError`: domain errors keep their code and message; anything unexpected is logged
 * by the caller and, when `mask` is on, reported as a bare INTERNAL_SERVER_ERROR (no stack, no SQL).
 * Masking also drops "Did you mean" suggestions and every extension but the code.
 */
export function formatError(
  formatted: GraphQLFormattedError,
  error: unknown,
  opts: { mask: boolean; onUnexpected?: (err: unknown) => void },
): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (original instanceof AppError) {
    return { ...formatted, message: original.message, extensions: { code: original.code, ...original.details } };
  }
  const code = formatted.extensions?.code as string | undefined;
  if (code && KNOWN_CODES.has(code) && code !== ErrorCode.INTERNAL_SERVER_ERROR) {
    const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
    return opts.mask ? { ...formatted, message: withoutSuggestions(formatted.message), extensions: { code } } : { ...formatted, extensions };
  }
  opts.onUnexpected?.(original);
  if (!opts.mask) return formatted;
  return { message: 'Internal server error', path: formatted.path, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
}
