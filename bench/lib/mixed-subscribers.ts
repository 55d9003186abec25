import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

/**
 * What an order page keeps open: every change of the shopper's orders, with the payment's status
 * (resolved through the payment subgraph on each delivery, as a real client's selection would be).
 */
export const MY_ORDER_UPDATES = `subscription MyOrderUpdates { myOrderUpdates { id status statusVersion payment { status } } }`;

/**
 * Shoppers holding a `myOrderUpdates` subscription for the whole run, one graphql-ws connection
 * each (a browser tab), the token in the `connection_init` payload as the gateway expects it.
 */
export class MixedSubscribers {
  private readonly clients: Client[] = [];
  private closing = false;
  /** Connections the gateway acknowledged. */
  opened = 0;
  /** Subscriptions that ended (error, close or completion) before the run did. */
  ended = 0;
  /** Updates received with data; those with errors count as errors instead. */
  events = 0;
  errors = 0;
  /** When a subscriber first saw each order reach each status, on the `performance.now()` clock. */
  private readonly seen = new Map<string, Map<string, number>>();

  constructor(
    private readonly wsUrl: string,
    private readonly noteError: (message: string) => void,
  ) {}

  /** Subscriptions alive now. */
  get held(): number {
    return this.opened - this.ended;
  }

  /** Opens one subscription per token, `concurrency` handshakes at a time; resolves when all are acknowledged or refused. */
  async open(tokens: readonly string[], concurrency = 50): Promise<void> {
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(concurrency, tokens.length) }, async () => {
        while (next < tokens.length) await this.subscribe(tokens[next++]);
      }),
    );
  }

  firstSeen(orderId: string, status: string): number | undefined {
    return this.seen.get(orderId)?.get(status);
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.clients.map((c) => c.dispose()));
  }

  private subscribe(token: string): Promise<void> {
    return new Promise<void>((connected) => {
      let acked = false;
      let alive = true;
      const fail = (message: string) => {
        this.errors++;
        this.noteError(`subscription: ${message}`);
      };
      const end = () => {
        if (!alive) return;
        alive = false;
        this.ended++;
      };
      const client = createClient({
        url: this.wsUrl,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${token}` },
        retryAttempts: 0,
        shouldRetry: () => false,
      });
      this.clients.push(client);
      client.on('connected', () => {
        acked = true;
        this.opened++;
        connected();
      });
      client.subscribe<{ myOrderUpdates?: { id: string; status: string } }>(
        { query: MY_ORDER_UPDATES },
        {
          next: (msg) => {
            const at = performance.now();
            const order = msg.data?.myOrderUpdates;
            if (msg.errors?.length || !order) return fail(msg.errors?.[0]?.message ?? 'an update without data');
            this.events++;
            let statuses = this.seen.get(order.id);
            if (!statuses) this.seen.set(order.id, (statuses = new Map()));
            if (!statuses.has(order.status)) statuses.set(order.status, at);
          },
          error: (err) => {
            if (this.closing) return;
            // A close event before the acknowledgement is a refused connection: it was never opened.
            fail(describeWsError(err));
            if (acked) end();
            connected();
          },
          complete: () => {
            if (this.closing) return;
            fail('completed by the server before the run ended');
            end();
            connected();
          },
        },
      );
    });
  }
}

function describeWsError(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (Array.isArray(err)) return (err as { message?: string }[]).map((e) => e.message).join('; ');
  const close = err as { code?: number; reason?: string };
  if (typeof close?.code === 'number') return `socket closed ${close.code} ${close.reason ?? ''}`.trim();
  return String(err);
}
