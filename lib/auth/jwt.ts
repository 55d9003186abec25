import { LRUCache } from 'lru-cache';
import type { Identity, Role } from './identity.js';

/**
 * JWTs are signed by the order service with an ES256 private key and verified by the gateway
 * with the public key, so only the order service can mint them.
 * `jose` is ESM-only; it is imported lazily so CommonJS tooling can still load this module.
 */
export const JWT_ALG = 'ES256';
export const TOKEN_TTL_SECONDS = 24 * 60 * 60;

export interface JwtSettings {
  issuer: string;
  audience: string;
}

const jose = () => import('jose');

export async function generateJwtKeyPair(): Promise<{ privateKeyPem: string; publicKeyPem: string }> {
  const { generateKeyPair, exportPKCS8, exportSPKI } = await jose();
  const { privateKey, publicKey } = await generateKeyPair(JWT_ALG, { extractable: true });
  return { privateKeyPem: await exportPKCS8(privateKey), publicKeyPem: await exportSPKI(publicKey) };
}

export type TokenSigner = (identity: Identity) => Promise<string>;
export type TokenVerifier = (token: string) => Promise<Identity & { expiresAt: number }>;

export async function createTokenSigner(privateKeyPem: string, settings: JwtSettings, ttlSeconds = TOKEN_TTL_SECONDS): Promise<TokenSigner> {
  const { importPKCS8, SignJWT } = await jose();
  const key = await importPKCS8(privateKeyPem, JWT_ALG);
  return (identity) =>
    new SignJWT({ role: identity.role })
      .setProtectedHeader({ alg: JWT_ALG, typ: 'JWT' })
      .setSubject(identity.customerId)
      .setIssuer(settings.issuer)
      .setAudience(settings.audience)
      .setIssuedAt()
      .setExpirationTime(`${ttlSeconds}s`)
      .sign(key);
}

/** Tokens whose signature has been checked, kept by the gateway; a client sends the same one with every request. */
const VERIFIED_TOKENS_KEPT = 10_000;

/**
 * Rejects (throws) on a bad signature, another algorithm, `alg: none`, expiry, issuer or audience.
 *
 * A token that passed is remembered until it expires: checking an ES256 signature costs more CPU
 * than the rest of a small request at the gateway, and the answer for the same bytes cannot change
 * (nothing revokes a token before its expiry). Expiry is checked again on every use.
 */
export async function createTokenVerifier(publicKeyPem: string, settings: JwtSettings): Promise<TokenVerifier> {
  const { importSPKI, jwtVerify } = await jose();
  const key = await importSPKI(publicKeyPem, JWT_ALG);
  const verified = new LRUCache<string, Identity & { expiresAt: number }>({ max: VERIFIED_TOKENS_KEPT });
  return async (token) => {
    const known = verified.get(token);
    if (known) {
      if (known.expiresAt * 1000 > Date.now()) return { ...known };
      verified.delete(token);
    }
    const { payload } = await jwtVerify(token, key, {
      algorithms: [JWT_ALG],
      issuer: settings.issuer,
      audience: settings.audience,
      requiredClaims: ['sub', 'exp'],
    });
    const role = payload.role;
    if (role !== 'CUSTOMER' && role !== 'ADMIN') throw new Error('token has no valid role');
    const identity = { customerId: payload.sub as string, role: role as Role, expiresAt: payload.exp as number };
    verified.set(token, identity);
    return { ...identity };
  };
}
