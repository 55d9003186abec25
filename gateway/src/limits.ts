import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import {
  GraphQLError,
  Kind,
  type ParseOptions,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { AppError, ErrorCode } from '../../lib/errors.js';

/** How large an operation may be, on HTTP and WebSocket alike. */
export interface OperationLimits {
  /** Nesting of selections; introspection's `__schema` is not counted. */
  maxDepth: number;
  /** Aliased fields in the whole document, through fragments. */
  maxAliases: number;
  /** Fields at the root of one operation, through fragments: each may cost a subgraph fetch. */
  maxRootFields: number;
  /** Lexical tokens; the parser stops counting past it, so a huge document costs little to refuse. */
  maxTokens: number;
}

/**
 * Every limit reports the same way: code OPERATION_LIMIT_EXCEEDED, and an AppError as the original
 * error so Apollo's formatError can find the code after wrapping it as a validation error.
 */
function limitExceeded(message: string): GraphQLError {
  const clean = message.replace(/^Syntax Error: /, '');
  return new GraphQLError(clean, {
    extensions: { code: ErrorCode.OPERATION_LIMIT_EXCEEDED },
    originalError: new AppError(ErrorCode.OPERATION_LIMIT_EXCEEDED, clean),
  });
}

const report = (context: ValidationContext | null, error: GraphQLError) => context?.reportError(limitExceeded(error.message));

function maxRootFieldsRule(max: number): ValidationRule {
  return (context) => {
    const count = (set: SelectionSetNode, seen: Set<string>): number => {
      let n = 0;
      for (const sel of set.selections) {
        if (sel.kind === Kind.FIELD) n += 1;
        else if (sel.kind === Kind.INLINE_FRAGMENT) n += count(sel.selectionSet, seen);
        else if (!seen.has(sel.name.value)) {
          // A fragment cycle is reported by NoFragmentCyclesRule; here it must only not loop.
          seen.add(sel.name.value);
          const fragment = context.getFragment(sel.name.value);
          if (fragment) n += count(fragment.selectionSet, seen);
        }
      }
      return n;
    };
    return {
      OperationDefinition(node) {
        const n = count(node.selectionSet, new Set());
        if (n > max) context.reportError(limitExceeded(`Operation has ${n} root fields; the limit is ${max}.`));
      },
    };
  };
}

/** The validation rules that enforce `limits`; HTTP adds them to Apollo's, WebSocket to graphql-js's. */
export function operationLimitRules(limits: OperationLimits): ValidationRule[] {
  const armor = { propagateOnRejection: false, exposeLimits: true, onReject: [report] };
  return [
    maxDepthRule({ ...armor, n: limits.maxDepth }),
    maxAliasesRule({ ...armor, n: limits.maxAliases }),
    maxRootFieldsRule(limits.maxRootFields),
  ];
}

export function operationParseOptions(limits: OperationLimits): ParseOptions {
  return { maxTokens: limits.maxTokens };
}

/**
 * Apollo wraps a validation error in its own (code GRAPHQL_VALIDATION_FAILED, no path), so
 * `unwrapResolverError` does not reach a domain error reported by a rule; this does.
 */
export function domainErrorOf(error: unknown): unknown {
  if (error instanceof GraphQLError && !error.path && error.originalError instanceof AppError) return error.originalError;
  return error;
}
