import type { IncomingMessage } from 'node:http';

/**
 * The address a request came from, the key of its rate-limit budgets. With `trustedProxies`
 * reverse proxies in front, each appending the address it was reached from to X-Forwarded-For,
 * the client is that many entries in from the right; entries further left were written by the
 * client itself and prove nothing. With none trusted, the TCP peer is the client.
 */
export function clientAddress(req: IncomingMessage, trustedProxies: number): string {
  const peer = normalize(req.socket.remoteAddress ?? 'unknown');
  if (trustedProxies === 0) return peer;
  const header = req.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  // Nearest first: the peer, then each hop back towards the client.
  const hops = [peer, ...forwarded.reverse().map(normalize)];
  return hops[Math.min(trustedProxies, hops.length - 1)];
}

/** One client, one key: `::ffff:10.0.0.1` is the IPv4 address `10.0.0.1`. */
const normalize = (address: string) => address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
