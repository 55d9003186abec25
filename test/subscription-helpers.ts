import { randomUUID } from 'node:crypto';
import { createClient, type Client } from 'graphql-ws';
import type { FormattedExecutionResult } from 'graphql';
import WebSocket from 'ws';
import type { EventBus } from '../lib/events/bus.js';
import { waitFor } from '../lib/testing/wait.js';

export interface TestWsClient {
  client: Client;
  /** Close events the socket saw ({ code, reason }). */
  closes: { code: number; reason: string }[];
  dispose(): Promise<void>;
}

/**
 * A real graphql-ws client on the `ws` package, sending `connectionParams` at connection_init and
 * `headers` with the upgrade request; it never retries.
 */
export function wsClient(httpUrl: string, connectionParams?: Record<string, unknown>, headers?: Record<string, string>): TestWsClient {
  const closes: TestWsClient['closes'] = [];
  const client = createClient({
    url: httpUrl.replace(/^http/, 'ws'),
    webSocketImpl: headers
      ? class extends WebSocket {
          constructor(url: string, protocols?: string | string[]) {
            super(url, protocols, { headers });
          }
        }
      : WebSocket,
    connectionParams,
    retryAttempts: 0,
    shouldRetry: () => false,
    // Keep the socket after the last subscription ends, so tests see how the server closes it.
    lazyCloseTimeout: 60_000,
  });
  client.on('closed', (event) => {
    const e = event as { code: number; reason: string | Buffer };
    closes.push({ code: e.code, reason: String(e.reason) });
  });
  return { client, closes, dispose: () => client.dispose() as Promise<void> };
}

export const bearerParams = (token: string) => ({ authorization: `Bearer ${token}` });

export interface Followed {
  messages: FormattedExecutionResult<Record<string, any>>[];
  /** Set when the server completed the subscription. */
  completed: boolean;
  /** Set when it ended in error (an error message, or a close event). */
  error: unknown;
  /** Resolves when the subscription ends by either path. */
  ended: Promise<void>;
  /** Waits until at least `n` messages arrived. */
  waitForMessages(n: number, timeoutMs?: number): Promise<void>;
  unsubscribe(): void;
}

export function follow(c: TestWsClient, query: string, variables: Record<string, unknown> = {}): Followed {
  let unsubscribe: () => void = () => {};
  const followed: Followed = {
    messages: [],
    completed: false,
    error: undefined,
    ended: Promise.resolve(),
    waitForMessages: (n, timeoutMs = 15_000) =>
      waitFor(`${n} subscription message(s) (have ${followed.messages.length}: ${JSON.stringify(followed.messages)})`, async () => (followed.messages.length >= n ? true : undefined), timeoutMs).then(() => {}),
    unsubscribe: () => unsubscribe(),
  };
  followed.ended = new Promise<void>((resolve) => {
    unsubscribe = c.client.subscribe(
      { query, variables },
      {
        next: (m) => followed.messages.push(m as FormattedExecutionResult<Record<string, any>>),
        error: (err) => {
          followed.error = err;
          resolve();
        },
        complete: () => {
          followed.completed = true;
          resolve();
        },
      },
    );
  });
  return followed;
}

/** Publishes an `order.status_changed` event on the bus as the order service would. */
export async function publishStatusChanged(
  bus: EventBus,
  data: { orderId: string; customerId: string; status: string; previousStatus: string | null; reason?: string | null; sequence: number },
): Promise<void> {
  const id = randomUUID();
  await bus.publish({
    id,
    type: 'order.status_changed',
    occurredAt: new Date().toISOString(),
    aggregateId: data.orderId,
    correlationId: id,
    causationId: null,
    data: { reason: null, ...data },
  });
}
