import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSubgraphFetcher } from './subgraph-fetcher.js';

/** A real HTTP server: answers JSON, hangs on /hang, and cuts every second request on a socket at /flaky. */
let server: Server;
let base: string;
const requestsPerSocket = new WeakMap<object, number>();

beforeAll(async () => {
  server = createServer((req, res) => {
    const n = (requestsPerSocket.get(req.socket) ?? 0) + 1;
    requestsPerSocket.set(req.socket, n);
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (req.url === '/hang') return;
      if (req.url === '/flaky' && n > 1) return req.socket.destroy();
      res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'application/json', 'x-seen': req.headers['x-test'] ?? '' });
      res.end(JSON.stringify({ echo: body, n }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('the gateway\'s subgraph HTTP client', () => {
  it('sends the body and headers, and reads status, headers and JSON', async () => {
    const { fetcher, close } = createSubgraphFetcher({ maxSockets: 4 });
    const res = await fetcher(`${base}/ok`, { method: 'POST', headers: { 'x-test': 'yes' }, body: '{"query":"{a}"}' });
    expect(res.ok).toBe(true);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-seen')).toBe('yes');
    expect(await res.json()).toEqual({ echo: '{"query":"{a}"}', n: 1 });
    const missing = await fetcher(`${base}/missing`, { method: 'POST', body: '' });
    expect(missing.ok).toBe(false);
    expect(missing.statusText).toBe('Not Found');
    close();
  });

  it('keeps the connection alive between requests', async () => {
    const { fetcher, close } = createSubgraphFetcher({ maxSockets: 1 });
    await fetcher(`${base}/ok`, { method: 'POST', body: '' });
    const second = await (await fetcher(`${base}/ok`, { method: 'POST', body: '' })).json();
    expect(second.n).toBe(2);
    close();
  });

  it('sends a request again, once, on a fresh socket when a kept-alive one turns out to be closed', async () => {
    const { fetcher, close } = createSubgraphFetcher({ maxSockets: 1 });
    await fetcher(`${base}/flaky`, { method: 'POST', body: '' });
    const res = await fetcher(`${base}/flaky`, { method: 'POST', body: '' });
    expect(await res.json()).toEqual({ echo: '', n: 1 });
    close();
  });

  it('gives up when the signal aborts, with an error the data source recognises as a timeout', async () => {
    const { fetcher, close } = createSubgraphFetcher({ maxSockets: 1 });
    const err = await fetcher(`${base}/hang`, { method: 'POST', body: '', signal: AbortSignal.timeout(100) }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect(['AbortError', 'TimeoutError']).toContain((err as Error).name);
    close();
  });
});
