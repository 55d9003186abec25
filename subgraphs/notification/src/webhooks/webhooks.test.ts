import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPublicHost, isPrivateAddress } from './address-guard.js';
import { postWebhook } from './post-webhook.js';
import { newWebhookSecret, signedHeaders } from './signing.js';

describe('private address guard', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.255.0.9', true],
    ['10.1.2.3', true],
    ['172.16.0.1', true],
    ['172.31.255.255', true],
    ['192.168.1.1', true],
    ['169.254.169.254', true],
    ['0.0.0.0', true],
    ['::1', true],
    ['::', true],
    ['fd12:3456::1', true],
    ['fe80::1', true],
    ['::ffff:127.0.0.1', true],
    ['::ffff:10.0.0.1', true],
    ['172.32.0.1', false],
    ['8.8.8.8', false],
    ['93.184.216.34', false],
    ['2606:4700::1111', false],
  ])('%s private: %s', (address, expected) => {
    expect(isPrivateAddress(address)).toBe(expected);
  });

  it('refuses names and literals that reach this machine, and names that do not resolve', async () => {
    expect(await checkPublicHost('localhost')).toMatchObject({ ok: false });
    expect(await checkPublicHost('127.0.0.1')).toMatchObject({ ok: false, reason: expect.stringContaining('127.0.0.1') });
    expect(await checkPublicHost('[::1]')).toMatchObject({ ok: false });
    expect(await checkPublicHost('does-not-exist.invalid')).toMatchObject({ ok: false, reason: expect.stringContaining('does not resolve') });
    expect(await checkPublicHost('8.8.8.8')).toEqual({ ok: true, addresses: [{ address: '8.8.8.8', family: 4 }] });
  });
});

describe('postWebhook', () => {
  let server: Server;
  let base: string;
  const seen: { path: string; headers: Record<string, string | string[] | undefined>; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ path: req.url!, headers: req.headers, body });
        if (req.url === '/slow') return setTimeout(() => res.end('late'), 1000);
        if (req.url === '/redirect') return res.writeHead(302, { location: 'http://169.254.169.254/' }).end();
        res.writeHead(req.url === '/fail' ? 500 : 204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const opts = { timeoutMs: 300, allowPrivateAddresses: true };

  it('POSTs the body with signed Standard Webhooks headers that the library verifies', async () => {
    const secret = newWebhookSecret();
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
    const body = JSON.stringify({ type: 'order.paid', timestamp: new Date().toISOString(), data: { orderId: 'x' } });
    const res = await postWebhook(`${base}/ok`, body, signedHeaders(secret, 'evt-1', body), opts);
    expect(res).toMatchObject({ ok: true, statusCode: 204, error: null });
    const got = seen.at(-1)!;
    expect(got.headers['content-type']).toBe('application/json');
    expect(new Webhook(secret).verify(got.body, got.headers as Record<string, string>)).toEqual(JSON.parse(body));
  });

  it('counts a non-2xx answer, a redirect and a late answer as failures', async () => {
    expect(await postWebhook(`${base}/fail`, '{}', {}, opts)).toMatchObject({ ok: false, statusCode: 500, error: 'HTTP 500' });
    const redirected = await postWebhook(`${base}/redirect`, '{}', {}, opts);
    expect(redirected).toMatchObject({ ok: false, statusCode: 302, error: 'HTTP 302: redirects are not followed' });
    const late = await postWebhook(`${base}/slow`, '{}', {}, opts);
    expect(late).toMatchObject({ ok: false, statusCode: null, error: 'no response within 300 ms' });
    expect(late.durationMs).toBeLessThan(900);
  });

  it('refuses a private address at delivery time unless allowed, without sending anything', async () => {
    const before = seen.length;
    const refused = await postWebhook(`${base}/ok`, '{}', {}, { ...opts, allowPrivateAddresses: false });
    expect(refused).toMatchObject({ ok: false, statusCode: null, error: expect.stringMatching(/^refused: 127\.0\.0\.1 resolves to 127\.0\.0\.1/) });
    const byName = await postWebhook(`${base.replace('127.0.0.1', 'localhost')}/ok`, '{}', {}, { ...opts, allowPrivateAddresses: false });
    expect(byName).toMatchObject({ ok: false, error: expect.stringContaining('refused: localhost') });
    expect(seen.length).toBe(before);
  });

  it('reports a refused connection', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await postWebhook(`http://127.0.0.1:${port}/`, '{}', {}, opts)).toMatchObject({ ok: false, statusCode: null, error: expect.stringContaining('ECONNREFUSED') });
  });
});
