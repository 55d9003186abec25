import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { envName, SUBGRAPH_NAMES, type SubgraphName } from '../../lib/config.js';
import { createGatewayApp } from '../../gateway/src/app.js';
import { loadGatewayConfig } from '../../gateway/src/config.js';

/** One request the gateway sent a subgraph, with the headers it carried, and when it ran. */
export interface RecordedFetch {
  subgraph: SubgraphName;
  url: string;
  headers: Record<string, string>;
  body: string;
  /** What the subgraph answered: a replay that gets anything else counts an error. */
  answer: string;
  startedAt: number;
  endedAt: number;
}

/** Fetches that can run together; each stage starts when the one before it has answered. */
export type Stages = RecordedFetch[][];

const FORWARDED = ['content-type', 'x-gateway-secret', 'x-user-id', 'x-user-role'];

/**
 * What the gateway asks of the subgraphs to answer one operation: an in-process gateway routed
 * through recording proxies runs it once, and the requests it makes, grouped into stages by when
 * they ran, can then be replayed straight at the subgraphs ("direct": the same data without
 * federation).
 */
export async function recordPlan(env: Record<string, string>, realUrls: Record<SubgraphName, string>, operation: { query: string; variables: Record<string, unknown>; token?: string }): Promise<Stages> {
  const fetches: RecordedFetch[] = [];
  const proxies: Server[] = [];
  const proxyUrls: Record<string, string> = {};
  for (const name of SUBGRAPH_NAMES) {
    const proxy = createServer(async (req, res) => {
      const startedAt = performance.now();
      const body = await readBody(req);
      const headers = Object.fromEntries(FORWARDED.flatMap((h) => (typeof req.headers[h] === 'string' ? [[h, req.headers[h] as string]] : [])));
      const answer = await fetch(realUrls[name], { method: 'POST', headers, body });
      const text = await answer.text();
      fetches.push({ subgraph: name, url: realUrls[name], headers, body, answer: text, startedAt, endedAt: performance.now() });
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' }).end(text);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    proxies.push(proxy);
    proxyUrls[envName(name, 'URL')] = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/graphql`;
  }
  const gateway = await createGatewayApp(loadGatewayConfig({ ...env, ...proxyUrls, GATEWAY_PORT: '0', LOG_LEVEL: 'silent' }));
  try {
    const port = await gateway.start();
    const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(operation.token ? { authorization: `Bearer ${operation.token}` } : {}) },
      body: JSON.stringify({ query: operation.query, variables: operation.variables }),
    });
    const answer = (await res.json()) as { errors?: unknown[] };
    if (answer.errors?.length) throw new Error(`recording the plan: ${JSON.stringify(answer.errors)}`);
  } finally {
    await gateway.stop();
    await Promise.all(proxies.map((p) => new Promise((resolve) => p.close(resolve))));
  }
  return toStages(fetches);
}

/** A fetch joins the current stage unless it started after one of that stage's fetches had ended. */
function toStages(fetches: RecordedFetch[]): Stages {
  const stages: Stages = [];
  for (const f of [...fetches].sort((a, b) => a.startedAt - b.startedAt)) {
    const current = stages.at(-1);
    if (current && current.every((g) => f.startedAt < g.endedAt)) current.push(f);
    else stages.push([f]);
  }
  return stages;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
