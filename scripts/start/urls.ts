const WILDCARD = ['0.0.0.0', '::'];
const bracketed = (host: string) => (host.includes(':') ? `[${host}]` : host);

/** The address a person types for a service bound to `host`: loopback and wildcard become localhost. */
export function browserBase(host: string, port: number): string {
  const local = [...WILDCARD, '127.0.0.1', '::1', 'localhost'].includes(host);
  return `http://${local ? 'localhost' : bracketed(host)}:${port}`;
}

/**
 * The address the gateway calls a subgraph on: the exact bound address, since `localhost` may
 * resolve to ::1 first while the service listens on 127.0.0.1 only.
 */
export function routingBase(host: string, port: number): string {
  return `http://${WILDCARD.includes(host) ? '127.0.0.1' : bracketed(host)}:${port}`;
}
