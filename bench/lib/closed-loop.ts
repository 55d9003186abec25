import { Agent, request } from 'node:http';
import { distribution } from './percentiles.js';

export interface LoopResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  errors: number;
  firstError?: string;
}

/** POSTs over kept-alive sockets and resolves with the status and the body as text. */
export class RawPoster {
  private readonly agent: Agent;

  constructor(maxSocketsPerHost: number) {
    // Idle sockets are dropped before the services' 65 s keep-alive timeout can close one under a request.
    this.agent = new Agent({ keepAlive: true, maxSockets: maxSocketsPerHost, timeout: 30_000 });
  }

  post(url: string, headers: Record<string, string>, body: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request(url, { method: 'POST', agent: this.agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      });
      req.setTimeout(10_000, () => req.destroy(new Error('no answer within 10 s')));
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/**
 * `connections` clients, each running `iteration` again as soon as the last one finished, for
 * `seconds`. Used where one iteration is more than one request (a query plan replayed by hand),
 * and for the side it is compared with, so both sides pay the same client costs.
 */
export async function closedLoop(connections: number, seconds: number, iteration: () => Promise<void>): Promise<LoopResult> {
  const samples: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const deadline = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      const began = performance.now();
      try {
        await iteration();
        samples.push(performance.now() - began);
      } catch (err) {
        errors++;
        firstError ??= (err as Error).message;
      }
    }
  };
  const began = performance.now();
  await Promise.all(Array.from({ length: connections }, worker));
  const elapsed = (performance.now() - began) / 1000;
  const d = distribution(samples);
  return { requestsPerSecond: samples.length / elapsed, p50Ms: d.p50 ?? 0, p99Ms: d.p99 ?? 0, requests: samples.length, errors, firstError };
}
