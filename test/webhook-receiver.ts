import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  headers: Record<string, string>;
  body: string;
  /** The status this receiver answered with. */
  status: number;
}

export interface WebhookReceiver {
  url: string;
  readonly requests: ReceivedWebhook[];
  /** The requests that carried this `webhook-id`, in arrival order. */
  requestsFor(webhookId: string): ReceivedWebhook[];
  stop(): Promise<void>;
}

/**
 * A real HTTP endpoint on a free loopback port that records every POST and answers with
 * `respond(nth)`, where nth counts the requests with the same `webhook-id` (1 for the first).
 */
export async function startWebhookReceiver(respond: (nth: number) => number = () => 200): Promise<WebhookReceiver> {
  const requests: ReceivedWebhook[] = [];
  const requestsFor = (id: string) => requests.filter((r) => r.headers['webhook-id'] === id);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
      const status = respond(requestsFor(headers['webhook-id']).length + 1);
      requests.push({ headers, body: Buffer.concat(chunks).toString('utf8'), status });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'not now');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    requests,
    requestsFor,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
