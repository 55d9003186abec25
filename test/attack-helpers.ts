import type { IncomingHttpHeaders } from 'node:http';
import type { FormattedExecutionResult, GraphQLFormattedError } from 'graphql';
import { SUBGRAPH_NAMES, type SubgraphName } from '../lib/config.js';
import type { TestStack } from '../lib/testing/stack.js';
import type { TestWsClient } from './subscription-helpers.js';

export interface RawResponse {
  status: number;
  headers: Headers;
  /** The parsed JSON body, or the text when it is not JSON. */
  body: any;
  text: string;
}

/** One HTTP request exactly as given: any method, content type and body, nothing added. */
export async function rawRequest(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<RawResponse> {
  const res = await fetch(url, { method: init.method ?? 'POST', headers: init.headers, body: init.body });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body, text };
}

/** A POST of one operation as JSON, with extra headers. */
export const postJson = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  rawRequest(url, { headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

/** The first error's code in a GraphQL response body, if any. */
export const firstCode = (body: { errors?: GraphQLFormattedError[] } | undefined): unknown => body?.errors?.[0]?.extensions?.code;

/**
 * Runs one operation over a graphql-ws connection and settles with what the server answered:
 * the first result (`next`), or the errors it refused the operation with (`error`).
 */
export function wsOperation(c: TestWsClient, query: string, variables: Record<string, unknown> = {}): Promise<FormattedExecutionResult> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (result: FormattedExecutionResult) => {
      if (settled) return;
      settled = true;
      unsubscribe();
      resolve(result);
    };
    const unsubscribe = c.client.subscribe(
      { query, variables },
      {
        next: (result) => done(result as FormattedExecutionResult),
        error: (err) => done(Array.isArray(err) ? { errors: err as GraphQLFormattedError[] } : { errors: [{ message: `socket closed: ${JSON.stringify(err)}`, extensions: { code: 'SOCKET_CLOSED', event: String((err as { code?: number }).code) } }] }),
        complete: () => done({}),
      },
    );
  });
}

/**
 * Records who every request that reached a subgraph was for (the `x-user-id` the gateway sent,
 * or "anonymous"), across all four subgraphs, from now until `stop()`.
 */
export function recordSubgraphCallers(stack: TestStack) {
  const callers: { subgraph: SubgraphName; userId: string; role: string | undefined }[] = [];
  const stops = SUBGRAPH_NAMES.map((subgraph) =>
    stack.subgraphs[subgraph].server.onAccepted((headers: IncomingHttpHeaders) => {
      const userId = headers['x-user-id'];
      callers.push({ subgraph, userId: typeof userId === 'string' ? userId : 'anonymous', role: headers['x-user-role'] as string | undefined });
    }),
  );
  return {
    callers,
    /** Requests made for `userId` ("anonymous" for none). */
    count: (userId: string) => callers.filter((c) => c.userId === userId).length,
    stop: () => stops.forEach((stop) => stop()),
  };
}
