import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTokenSigner, createTokenVerifier, generateJwtKeyPair } from './jwt.js';

const settings = { issuer: 'test-issuer', audience: 'test-audience' };
const customer = { customerId: 'c0ffee00-0000-4000-8000-000000000001', role: 'CUSTOMER' as const };

describe('token verification', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('accepts a token again from memory, and refuses it once it has expired', async () => {
    const { privateKeyPem, publicKeyPem } = await generateJwtKeyPair();
    const sign = await createTokenSigner(privateKeyPem, settings, 60);
    const verify = await createTokenVerifier(publicKeyPem, settings);
    const token = await sign(customer);

    const first = await verify(token);
    expect(first).toMatchObject(customer);
    expect(await verify(token)).toEqual(first);

    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 61_000);
    await expect(verify(token)).rejects.toThrow(/exp/);
  });

  it('never takes a token it has refused, nor a changed copy of one it accepted', async () => {
    const { privateKeyPem, publicKeyPem } = await generateJwtKeyPair();
    const other = await generateJwtKeyPair();
    const verify = await createTokenVerifier(publicKeyPem, settings);
    const good = await (await createTokenSigner(privateKeyPem, settings))(customer);
    const forged = await (await createTokenSigner(other.privateKeyPem, settings))(customer);

    await verify(good);
    const [header, payload, signature] = good.split('.');
    const asAdmin = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), role: 'ADMIN' })).toString('base64url');
    await expect(verify(`${header}.${asAdmin}.${signature}`)).rejects.toThrow();
    await expect(verify(forged)).rejects.toThrow();
    await expect(verify(forged)).rejects.toThrow();
  });
});
