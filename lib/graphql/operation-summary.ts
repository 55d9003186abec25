import type { BaseContext, GraphQLRequestContextWillSendResponse } from '@apollo/server';

/** What logs and metrics say about one GraphQL operation once its response is ready. */
export interface OperationSummary {
  /** The operation's name, or `anonymous`; the client's name when the document did not parse. */
  operationName: string;
  /** query, mutation or subscription; `unknown` when the document did not parse or validate. */
  operationType: string;
  /** `extensions.code` of each error the client receives (after formatError), in order. */
  errorCodes: string[];
}

/** Reads the summary from Apollo's request context at `willSendResponse`. */
export function summarizeOperation<C extends BaseContext>(ctx: GraphQLRequestContextWillSendResponse<C>): OperationSummary {
  const body = ctx.response.body;
  const errors = body.kind === 'single' ? body.singleResult.errors : body.initialResult.errors;
  return {
    operationName: ctx.operationName ?? ctx.request.operationName ?? 'anonymous',
    operationType: ctx.operation?.operation ?? 'unknown',
    errorCodes: (errors ?? []).map((e) => String(e.extensions?.code ?? 'UNKNOWN')),
  };
}
