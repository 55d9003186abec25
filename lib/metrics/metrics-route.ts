import type { Registry } from 'prom-client';
import type { RequestHandler } from '../http/http-server.js';
import type { Logger } from '../logger.js';

/** `GET /metrics`: the registry in Prometheus' text format, collected at the time of the scrape. */
export function metricsRoute(registry: Registry, logger: Logger): RequestHandler {
  return async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    try {
      const text = await registry.metrics();
      res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : text);
    } catch (err) {
      logger.warn({ err }, 'collecting metrics failed');
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('collecting metrics failed\n');
    }
  };
}
