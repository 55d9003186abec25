import { randomInt } from 'node:crypto';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface OrderUpdate {
  id: string;
  status: string;
}

/**
 * A graphql-ws subscriber like a client app: when its socket dies it reconnects (after 100–500 ms,
 * again and again while the gateway is away) and subscribes anew. `kill()` terminates the socket
 * without a close handshake, as a dropped network or a killed tab would.
 */
export class ReconnectingSubscriber {
  /** Every order update received, in arrival order, across connections. */
  readonly received: OrderUpdate[] = [];
  readonly errors: string[] = [];
  kills = 0;
  reconnects = 0;
  private socket: WebSocket | undefined;
  private client: Client | undefined;
  private disposed = false;

  constructor(
    private readonly opts: {
      /** The gateway to (re)connect to; asked at every connection. */
      url: () => string;
      token: string;
      query: string;
      variables?: Record<string, unknown>;
      /** Where the order is in the result, e.g. `data.orderStatusChanged`. */
      field: string;
    },
  ) {}

  start(): this {
    this.connect();
    return this;
  }

  /** The last update received, if any. */
  get last(): OrderUpdate | undefined {
    return this.received.at(-1);
  }

  kill(): void {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return;
    this.kills++;
    this.socket.terminate();
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await this.client?.dispose();
  }

  private connect(): void {
    const track = (socket: WebSocket) => (this.socket = socket);
    // graphql-ws makes the socket itself; this subclass hands it over so `kill()` can reach it.
    class TrackedSocket extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols);
        track(this);
      }
    }
    const client = createClient({
      url: this.opts.url().replace(/^http/, 'ws'),
      webSocketImpl: TrackedSocket,
      connectionParams: { authorization: `Bearer ${this.opts.token}` },
      retryAttempts: 0,
      shouldRetry: () => false,
    });
    this.client = client;
    let ended = false;
    const again = (why: string) => {
      if (ended) return;
      ended = true;
      void client.dispose();
      if (this.disposed) return;
      this.errors.push(why);
      setTimeout(() => {
        if (this.disposed) return;
        this.reconnects++;
        this.connect();
      }, 100 + randomInt(400));
    };
    client.subscribe(
      { query: this.opts.query, variables: this.opts.variables },
      {
        next: (result) => {
          const update = result.data?.[this.opts.field] as OrderUpdate | undefined;
          if (update) this.received.push(update);
          if (result.errors?.length) this.errors.push(JSON.stringify(result.errors));
        },
        error: (err) => again(err instanceof Error ? err.message : `closed ${(err as { code?: number }).code ?? ''}`),
        complete: () => again('completed by the server'),
      },
    );
  }
}

/** Where each status sits on the saga's way; a subscriber must never see an order go back. */
const RANK: Record<string, number> = { PENDING: 0, RESERVED: 1, PAID: 2, FAILED: 3, CANCELLED: 3 };

/** Updates that show an order earlier in the saga than one received before it. */
export function regressions(updates: OrderUpdate[]): number {
  let n = 0;
  for (let i = 1; i < updates.length; i++) if ((RANK[updates[i].status] ?? 0) < (RANK[updates[i - 1].status] ?? 0)) n++;
  return n;
}
