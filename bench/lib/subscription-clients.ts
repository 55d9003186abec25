/**
 * The subscribers of the fan-out benchmark, in a child process of their own: their sockets, parsing
 * and timers stay off the gateway's heap and event loop, so what the parent measures is the
 * gateway. Driven over IPC by bench/subscriptions.ts; one graphql-ws connection per subscriber.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export type ClientCommand =
  | { type: 'open'; url: string; query: string; field: string; subscribers: { token: string; orderId: string }[]; concurrency: number }
  | { type: 'count' }
  | { type: 'report' }
  | { type: 'close' };

export type ClientReply =
  | { type: 'opened'; ms: number; failed: number; sampleErrors: string[] }
  | { type: 'count'; received: number }
  | { type: 'report'; received: [key: string, at: number][]; errors: number; incomplete: number; sampleErrors: string[] }
  | { type: 'closed' };

/** Milliseconds on a clock both processes share (epoch, sub-millisecond). */
export const epochNow = () => performance.timeOrigin + performance.now();

let clients: Client[] = [];
let received: [string, number][] = [];
let errors = 0;
let incomplete = 0;
const sampleErrors: string[] = [];
const noteError = (what: unknown) => {
  errors++;
  if (sampleErrors.length < 5) sampleErrors.push(typeof what === 'string' ? what : JSON.stringify(what));
};

function subscribe(url: string, query: string, field: string, s: { token: string; orderId: string }): Promise<void> {
  return new Promise<void>((resolve) => {
    const client = createClient({
      url,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${s.token}` },
      retryAttempts: 0,
      lazyCloseTimeout: 60_000,
    });
    clients.push(client);
    let first = true;
    client.subscribe<Record<string, { statusVersion?: number; items?: { product?: { name?: string } }[] }>>(
      { query, variables: { id: s.orderId } },
      {
        next: (msg) => {
          const at = epochNow();
          const order = msg.data?.[field];
          if (msg.errors || !order) noteError(msg.errors ?? 'no data');
          if (first) {
            first = false;
            return resolve();
          }
          if (order) {
            received.push([`${s.orderId}:${order.statusVersion}`, at]);
            if (order.items && !order.items.every((i) => i.product?.name)) incomplete++;
          }
        },
        error: (err) => {
          noteError(err instanceof Error ? err.message : (err as { code?: number; reason?: string })?.reason ?? String(err));
          resolve();
        },
        complete: () => resolve(),
      },
    );
  });
}

async function open(cmd: Extract<ClientCommand, { type: 'open' }>): Promise<ClientReply> {
  const started = performance.now();
  const before = errors;
  sampleErrors.length = 0;
  // Bounded concurrency: thousands of simultaneous handshakes would measure the accept queue, not the gateway.
  let next = 0;
  await Promise.all(
    Array.from({ length: cmd.concurrency }, async () => {
      while (next < cmd.subscribers.length) await subscribe(cmd.url, cmd.query, cmd.field, cmd.subscribers[next++]);
    }),
  );
  return { type: 'opened', ms: performance.now() - started, failed: errors - before, sampleErrors: [...sampleErrors] };
}

process.on('message', (cmd: ClientCommand) => {
  const reply = (r: ClientReply) => process.send!(r);
  if (cmd.type === 'open') {
    received = [];
    errors = 0;
    incomplete = 0;
    void open(cmd).then(reply);
  } else if (cmd.type === 'count') {
    reply({ type: 'count', received: received.length });
  } else if (cmd.type === 'report') {
    reply({ type: 'report', received, errors, incomplete, sampleErrors: [...sampleErrors] });
  } else if (cmd.type === 'close') {
    const closing = clients;
    clients = [];
    void Promise.all(closing.map((c) => c.dispose())).then(() => reply({ type: 'closed' }));
  }
});
process.on('disconnect', () => process.exit(0));
