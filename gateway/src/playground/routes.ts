import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import type { RequestHandler } from '../../../lib/http/http-server.js';
import { sendJson } from '../../../lib/http/respond.js';
import type { Logger } from '../../../lib/logger.js';
import { buildPlaygroundAssets } from './bundle.js';
import { PLAYGROUND_CSP, PLAYGROUND_HTML, PLAYGROUND_PATH, PLAYGROUND_SCRIPT_PATH, PLAYGROUND_STYLE_PATH } from './page.js';

/** One served file, kept in memory with its gzip form and validator. */
interface Asset {
  type: string;
  body: Buffer;
  gzipped: Buffer;
  etag: string;
}

const asset = (type: string, body: Buffer): Asset => ({
  type,
  body,
  gzipped: gzipSync(body),
  etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
});

const SECURITY_HEADERS = {
  'content-security-policy': PLAYGROUND_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

function send(req: IncomingMessage, res: ServerResponse, file: Asset): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    return sendJson(res, 405, { error: 'The playground answers GET only.' });
  }
  // Asset paths carry no content hash, so browsers revalidate each load; a 304 costs a round trip only.
  const headers: Record<string, string> = { ...SECURITY_HEADERS, 'content-type': file.type, 'cache-control': 'no-cache', etag: file.etag, vary: 'accept-encoding' };
  if (req.headers['if-none-match'] === file.etag) {
    res.writeHead(304, headers);
    return void res.end();
  }
  const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  const body = gzip ? file.gzipped : file.body;
  res.writeHead(200, { ...headers, ...(gzip ? { 'content-encoding': 'gzip' } : {}), 'content-length': String(body.length) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/**
 * The self-hosted GraphiQL: the page at `/` and `/playground`, its script and stylesheet bundled
 * from the installed packages on first use (or by `warm()`) and kept in memory. The bundle is a
 * second or two of CPU, paid only by a gateway that serves the playground.
 */
export function createPlaygroundRoutes(logger: Logger) {
  const page = asset('text/html; charset=utf-8', Buffer.from(PLAYGROUND_HTML));
  let assets: Promise<{ js: Asset; css: Asset }> | undefined;

  const built = () => {
    assets ??= buildPlaygroundAssets().then(
      ({ js, css }) => ({ js: asset('text/javascript; charset=utf-8', js), css: asset('text/css; charset=utf-8', css) }),
      (err: unknown) => {
        // Let the next request try again rather than serve a cached failure forever.
        assets = undefined;
        throw err;
      },
    );
    return assets;
  };

  const servePage: RequestHandler = (req, res) => send(req, res, page);
  const routes: Record<string, RequestHandler> = {
    '/': servePage,
    [PLAYGROUND_PATH]: servePage,
    // Browsers ask for it on every visit; an empty answer keeps their consoles free of 404s.
    '/favicon.ico': (_req, res) => void res.writeHead(204, { 'cache-control': 'max-age=86400' }).end(),
    [PLAYGROUND_SCRIPT_PATH]: async (req, res) => send(req, res, (await built()).js),
    [PLAYGROUND_STYLE_PATH]: async (req, res) => send(req, res, (await built()).css),
  };
  return {
    routes,
    /** Builds the bundle ahead of the first visit; failures are logged and retried on that visit. */
    warm(): void {
      const started = Date.now();
      built().then(
        () => logger.debug({ ms: Date.now() - started }, 'playground bundled'),
        (err: unknown) => logger.error({ err }, 'bundling the playground failed'),
      );
    },
  };
}
