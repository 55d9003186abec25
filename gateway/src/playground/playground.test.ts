import { get } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer, closeServer, listen } from '../../../lib/http/http-server.js';
import { createLogger } from '../../../lib/logger.js';
import { loadGatewayConfig } from '../config.js';
import { createPlaygroundRoutes } from './routes.js';

const PRODUCTION = {
  NODE_ENV: 'production',
  JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\nx\n-----END PUBLIC KEY-----',
  ...Object.fromEntries(['ORDER', 'INVENTORY', 'PAYMENT', 'NOTIFICATION'].map((n) => [`${n}_GATEWAY_SECRET`, 's'.repeat(32)])),
};
const DEVELOPMENT = { ...PRODUCTION, NODE_ENV: undefined };

describe('GATEWAY_PLAYGROUND', () => {
  it('is on outside production and off in it, unless set; it follows introspection by default', () => {
    expect(loadGatewayConfig(DEVELOPMENT).playground).toBe(true);
    expect(loadGatewayConfig(PRODUCTION).playground).toBe(false);
    expect(loadGatewayConfig({ ...PRODUCTION, GATEWAY_PLAYGROUND: 'true' }).playground).toBe(true);
    expect(loadGatewayConfig({ ...DEVELOPMENT, GATEWAY_PLAYGROUND: 'false' }).playground).toBe(false);
    expect(loadGatewayConfig({ ...DEVELOPMENT, GATEWAY_INTROSPECTION: 'false' }).playground).toBe(false);
  });
});

describe('the playground routes', () => {
  const server = createHttpServer({
    logger: createLogger('test', 'silent'),
    graphql: (_req, res) => void res.end(),
    readiness: [],
    routes: createPlaygroundRoutes(createLogger('test', 'silent')).routes,
  });
  let base: string;

  beforeAll(async () => {
    base = `http://127.0.0.1:${await listen(server, 0)}`;
  });
  afterAll(() => closeServer(server));

  it('serves the page at / and /playground with a policy that allows this origin only', async () => {
    for (const path of ['/', '/playground']) {
      const res = await fetch(`${base}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('content-security-policy')).toBe(
        "default-src 'none'; script-src 'self'; style-src 'self'; font-src 'self' data:; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      );
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(await res.text()).toContain('<script defer src="/playground/app.js">');
    }
  });

  it('bundles the script and stylesheet from the installed packages, gzipped when asked, revalidated by etag', { timeout: 120_000 }, async () => {
    const js = await fetch(`${base}/playground/app.js`, { headers: { 'accept-encoding': 'identity' } });
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const source = await js.text();
    expect(source).toContain('graphiql');
    // No code loads anything from elsewhere: no dynamic script URLs, no eval.
    expect(source).not.toMatch(/\beval\(|new Function\(/);

    const css = await fetch(`${base}/playground/app.css`);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(await css.text()).toContain('.graphiql-container');

    // fetch would undo the gzip; node:http shows the bytes as sent.
    const raw = await new Promise<{ headers: Record<string, string | string[] | undefined>; body: Buffer }>((resolve, reject) => {
      get(`${base}/playground/app.js`, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      }).on('error', reject);
    });
    expect(raw.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(raw.body).toString()).toBe(source);

    const again = await fetch(`${base}/playground/app.js`, { headers: { 'if-none-match': js.headers.get('etag')! } });
    expect(again.status).toBe(304);
  });

  it('answers GET only', async () => {
    const res = await fetch(`${base}/playground`, { method: 'POST' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
  });
});
