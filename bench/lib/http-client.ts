import { Agent, request } from 'node:http';

/**
 * POSTs GraphQL over kept-alive connections. A benchmark that opened a connection per request
 * would mostly measure TCP handshakes, which no real client of the gateway pays per request.
 */
export class KeepAliveGraphQLClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 256 });
  private readonly url: URL;

  constructor(url: string) {
    this.url = new URL(url);
  }

  post<D = any>(query: string, variables: Record<string, unknown>, token?: string): Promise<{ status: number; data?: D; errors?: { message: string; extensions?: Record<string, unknown> }[] }> {
    const body = JSON.stringify({ query, variables });
    return new Promise((resolve, reject) => {
      const req = request(
        this.url,
        {
          method: 'POST',
          agent: this.agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            try {
              resolve({ status: res.statusCode ?? 0, ...JSON.parse(text) });
            } catch {
              reject(new Error(`HTTP ${res.statusCode} with a body that is not JSON: ${text.slice(0, 200)}`));
            }
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
