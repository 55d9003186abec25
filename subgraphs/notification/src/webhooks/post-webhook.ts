import type { LookupFunction } from 'node:net';
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { checkPublicHost, type ResolvedAddress } from './address-guard.js';

/** How one POST went: a 2xx status is success; anything else, or no answer, is a failure to retry. */
export interface WebhookResponse {
  ok: boolean;
  /** Null when the endpoint never answered (refused, timed out, blocked). */
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

export interface PostWebhookOptions {
  timeoutMs: number;
  allowPrivateAddresses: boolean;
}

/** Connects to the address that was checked, not to whatever a second DNS answer says (DNS rebinding). */
function pinnedLookup(address: ResolvedAddress): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) callback(null, [address]);
    else callback(null, address.address, address.family);
  };
}

/**
 * POSTs a webhook body. Redirects are not followed (they could lead to an address the check never
 * saw); the endpoint must send its 2xx status within `timeoutMs`, and its body is not waited for.
 */
export async function postWebhook(url: string, body: string, headers: Record<string, string>, opts: PostWebhookOptions): Promise<WebhookResponse> {
  const started = performance.now();
  const done = (statusCode: number | null, error: string | null): WebhookResponse => ({
    ok: error === null,
    statusCode,
    error,
    durationMs: Math.round(performance.now() - started),
  });

  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return done(null, `${url} is not a URL`);
  }
  const options: RequestOptions = {
    method: 'POST',
    // A fresh connection per attempt: a pooled one could have been opened to an address checked for another URL.
    agent: false,
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'commerce-webhooks/1', ...headers },
  };
  if (!opts.allowPrivateAddresses) {
    const check = await checkPublicHost(target.hostname);
    if (!check.ok) return done(null, `refused: ${check.reason}`);
    options.lookup = pinnedLookup(check.addresses[0]);
  }
  const send = target.protocol === 'https:' ? httpsRequest : target.protocol === 'http:' ? httpRequest : undefined;
  if (!send) return done(null, `unsupported scheme ${target.protocol}`);

  return new Promise<WebhookResponse>((resolve) => {
    const req = send(target, options, (res) => {
      clearTimeout(timer);
      res.resume();
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) resolve(done(status, null));
      else resolve(done(status, status >= 300 && status < 400 ? `HTTP ${status}: redirects are not followed` : `HTTP ${status}`));
    });
    const timer = setTimeout(() => req.destroy(new Error(`no response within ${opts.timeoutMs} ms`)), opts.timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(done(null, err.code && !err.message.includes(err.code) ? `${err.code}: ${err.message}` : err.message));
    });
    req.end(body);
  });
}
