import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientAddress } from './client-address.js';

const request = (peer: string, forwardedFor?: string) =>
  ({ socket: { remoteAddress: peer }, headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } }) as unknown as IncomingMessage;

describe('clientAddress', () => {
  it('is the TCP peer when no proxy is trusted, whatever X-Forwarded-For says', () => {
    expect(clientAddress(request('::ffff:203.0.113.7', '198.51.100.1'), 0)).toBe('203.0.113.7');
  });

  it('takes the entry the trusted proxies appended, not what the client wrote further left', () => {
    // client wrote "1.1.1.1"; the one trusted proxy appended the real client, 198.51.100.9.
    expect(clientAddress(request('10.0.0.2', '1.1.1.1, 198.51.100.9'), 1)).toBe('198.51.100.9');
    expect(clientAddress(request('10.0.0.2', '1.1.1.1, 198.51.100.9, 10.0.0.1'), 2)).toBe('198.51.100.9');
  });

  it('falls back to the furthest hop known when fewer proxies answered than are trusted', () => {
    expect(clientAddress(request('10.0.0.2'), 1)).toBe('10.0.0.2');
    expect(clientAddress(request('10.0.0.2', '198.51.100.9'), 3)).toBe('198.51.100.9');
  });
});
