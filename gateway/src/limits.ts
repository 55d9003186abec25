import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import {
  getVariableValues,
  GraphQLError,
  type DocumentNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ParseOptions,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { AppError, ErrorCode } from '../../lib/errors.js';
import { operationCost } from './security/operation-cost.js';
import { rootFields } from './security/root-fields.js';

/** How large an operation may be, on HTTP and WebSocket alike. */
export interface OperationLimits {
  /** Nesting of selections; introspection's `__schema` is not counted. */
  maxDepth: number;
  /** Aliased fields in the whole document, through fragments, `__typename` included. */
  maxAliases: number;
  /** Fields at the root of one operation, through fragments: each may cost a subgraph fetch. */
  maxRootFields: number;
  /** Lexical tokens; the parser stops counting past it, so a huge document costs little to refuse. */
  maxTokens: number;
  /** The estimate of security/operation-cost.ts, which multiplies by list sizes (`first`). */
  maxCost: number;
}

/**
 * Every limit reports the same way: code OPERATION_LIMIT_EXCEEDED, and an AppError as the original
 * error so Apollo's formatError can find the code after wrapping it as a validation error.
 */
function limitExceeded(message: string, httpStatus?: number): GraphQLError {
  const clean = message.replace(/^Syntax Error: /, '');
  return new GraphQLError(clean, {
    extensions: { code: ErrorCode.OPERATION_LIMIT_EXCEEDED, ...(httpStatus ? { http: { status: httpStatus } } : {}) },
    originalError: new AppError(ErrorCode.OPERATION_LIMIT_EXCEEDED, clean),
  });
}

const report = (context: ValidationContext | null, error: GraphQLError) => context?.reportError(limitExceeded(error.message));

function maxRootFieldsRule(max: number): ValidationRule {
  return (context) => ({
    OperationDefinition(node) {
      const n = rootFields(context.getDocument(), node.selectionSet).length;
      if (n > max) context.reportError(limitExceeded(`Operation has ${n} root fields; the limit is ${max}.`));
    },
  });
}

/** The validation rules that enforce `limits`; HTTP adds them to Apollo's, WebSocket to graphql-js's. */
export function operationLimitRules(limits: OperationLimits): ValidationRule[] {
  const armor = { propagateOnRejection: false, exposeLimits: true, onReject: [report] };
  return [
    maxDepthRule({ ...armor, n: limits.maxDepth }),
    // Armor exempts aliases of `__typename` by default, which would leave `{ me { a: __typename
    // b: __typename … } }` free up to the token limit; here every alias counts.
    maxAliasesRule({ ...armor, n: limits.maxAliases, allowList: [] }),
    maxRootFieldsRule(limits.maxRootFields),
  ];
}

export function operationParseOptions(limits: OperationLimits): ParseOptions {
  return { maxTokens: limits.maxTokens };
}

/**
 * graphql-js reports its token limit as a syntax error ("Document contains more that N tokens", its
 * own wording, matched loosely); clients should see the limit's code instead.
 */
const TOKEN_LIMIT = /^Syntax Error: Document contains more \w+ (\d+) tokens/;

/** The token limit's parse error as an OPERATION_LIMIT_EXCEEDED one; any other error as it was. */
export function tokenLimitAsLimitError(error: GraphQLError): GraphQLError {
  const limit = TOKEN_LIMIT.exec(error.message)?.[1];
  return limit ? limitExceeded(`Operation has more than ${limit} tokens, the limit.`) : error;
}

/**
 * The cost budget, checked once the variables are known (a validation rule would not see them):
 * an error for an operation that costs more than `maxCost`, else undefined. Variables that do not
 * coerce are left to execution, which refuses them before anything runs.
 */
export function checkOperationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  rawVariables: Record<string, unknown> | null | undefined,
  maxCost: number,
  httpStatus?: number,
): GraphQLError | undefined {
  const variables = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables ?? {});
  if (variables.errors) return undefined;
  const cost = operationCost(schema, document, operation, variables.coerced);
  if (cost <= maxCost) return undefined;
  return limitExceeded(`Operation cost ${cost} exceeds the limit of ${maxCost}: ask for smaller pages (first) or fewer nested lists.`, httpStatus);
}

/** Applies the cost budget to every operation Apollo runs: HTTP, and WebSocket queries and mutations. */
export function operationCostPlugin<Ctx extends BaseContext>(maxCost: number): ApolloServerPlugin<Ctx> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          const error = operation && checkOperationCost(schema, document, operation, request.variables, maxCost, 400);
          if (error) throw error;
        },
      };
    },
  };
}

/**
 * Apollo wraps a validation error in its own (code GRAPHQL_VALIDATION_FAILED, no path), so
 * `unwrapResolverError` does not reach a domain error reported by a rule; this does. The token
 * limit, which graphql-js reports as a syntax error, becomes the limit error it is.
 */
export function domainErrorOf(error: unknown): unknown {
  const err = error instanceof GraphQLError ? tokenLimitAsLimitError(error) : error;
  if (err instanceof GraphQLError && !err.path && err.originalError instanceof AppError) return err.originalError;
  return err;
}
