import type { JWTPayload, SignJWT } from 'jose';
import type { Env } from '../lib/config.js';

/** A caller the forged tokens claim to be. */
export interface Claimed {
  customerId: string;
  role: 'CUSTOMER' | 'ADMIN';
}

/**
 * Tokens that must all be refused, built the ways attackers build them: each is a JWT for
 * `claimed` that is wrong in exactly one respect. `jose` is ESM-only, so it is imported here.
 */
export async function forgedTokens(env: Env, claimed: Claimed, realToken: string): Promise<Record<string, string>> {
  const jose = await import('jose');
  const issuer = env.JWT_ISSUER ?? 'commerce-order';
  const audience = env.JWT_AUDIENCE ?? 'commerce-gateway';
  const key = await jose.importPKCS8(env.JWT_PRIVATE_KEY!, 'ES256');
  const now = Math.floor(Date.now() / 1000);
  const sign = (opts: { alg?: string; key?: Parameters<SignJWT['sign']>[0]; iss?: string; aud?: string; iat?: number; exp?: number | null; nbf?: number; role?: string | null }) => {
    const payload: JWTPayload = opts.role === null ? {} : { role: opts.role ?? claimed.role };
    let jwt = new jose.SignJWT(payload)
      .setProtectedHeader({ alg: opts.alg ?? 'ES256', typ: 'JWT' })
      .setSubject(claimed.customerId)
      .setIssuer(opts.iss ?? issuer)
      .setAudience(opts.aud ?? audience)
      .setIssuedAt(opts.iat ?? now);
    if (opts.exp !== null) jwt = jwt.setExpirationTime(opts.exp ?? now + 3600);
    if (opts.nbf) jwt = jwt.setNotBefore(opts.nbf);
    return jwt.sign(opts.key ?? key);
  };

  const otherEs256 = await jose.generateKeyPair('ES256');
  const rsa = await jose.generateKeyPair('RS256');
  const unsigned = new jose.UnsecuredJWT({ role: claimed.role }).setSubject(claimed.customerId).setIssuer(issuer).setAudience(audience).setIssuedAt().setExpirationTime('1h').encode();
  // Signed with the (public, so known to everyone) verification key as an HMAC secret: the classic
  // algorithm-confusion attack on verifiers that take the algorithm from the token.
  const hmacWithPublicKey = await sign({ alg: 'HS256', key: new TextEncoder().encode(env.JWT_PUBLIC_KEY!) });

  // A real token with its payload rewritten to another subject and role, signature kept.
  const [header, , signature] = realToken.split('.');
  const tamperedPayload = Buffer.from(JSON.stringify({ ...jose.decodeJwt(realToken), sub: claimed.customerId, role: 'ADMIN' })).toString('base64url');

  return {
    expired: await sign({ iat: now - 7200, exp: now - 3600 }),
    'alg none': unsigned,
    'alg none, signature kept': `${unsigned.split('.').slice(0, 2).join('.')}.${signature}`,
    'HS256 with the public key as secret': hmacWithPublicKey,
    'RS256 with its own key': await sign({ alg: 'RS256', key: rsa.privateKey }),
    'ES256 with another key': await sign({ key: otherEs256.privateKey }),
    'wrong issuer': await sign({ iss: 'someone-else' }),
    'wrong audience': await sign({ aud: 'another-api' }),
    'no expiry': await sign({ exp: null }),
    'not valid yet': await sign({ nbf: now + 3600 }),
    'no role': await sign({ role: null }),
    'unknown role': await sign({ role: 'SUPERUSER' }),
    'tampered payload': `${header}.${tamperedPayload}.${signature}`,
    'not a JWT': 'not.a.jwt',
  };
}
