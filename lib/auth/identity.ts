import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { forbidden, unauthenticated } from '../errors.js';

export type Role = 'CUSTOMER' | 'ADMIN';

/** Who is calling, as verified by the gateway from a JWT. `null` is an anonymous caller. */
export interface Identity {
  customerId: string;
  role: Role;
}

/** Headers the gateway sets on every subgraph request; clients can never set them (the gateway strips them). */
export const IdentityHeader = {
  userId: 'x-user-id',
  role: 'x-user-role',
  gatewaySecret: 'x-gateway-secret',
  requestId: 'x-request-id',
} as const;

/** Constant-time comparison of the gateway secret a request carries with the one configured. */
export function hasGatewaySecret(headers: IncomingHttpHeaders, secret: string): boolean {
  const sent = headers[IdentityHeader.gatewaySecret];
  if (typeof sent !== 'string') return false;
  const a = Buffer.from(sent);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Reads the identity the gateway forwarded. Only call it after `hasGatewaySecret` passed. */
export function identityFromHeaders(headers: IncomingHttpHeaders): Identity | null {
  const customerId = headers[IdentityHeader.userId];
  const role = headers[IdentityHeader.role];
  if (typeof customerId !== 'string' || (role !== 'CUSTOMER' && role !== 'ADMIN')) return null;
  return { customerId, role };
}

export function identityHeaders(identity: Identity | null): Record<string, string> {
  return identity ? { [IdentityHeader.userId]: identity.customerId, [IdentityHeader.role]: identity.role } : {};
}

export function requireIdentity(identity: Identity | null): Identity {
  if (!identity) throw unauthenticated();
  return identity;
}

export function requireAdmin(identity: Identity | null): Identity {
  const who = requireIdentity(identity);
  if (who.role !== 'ADMIN') throw forbidden('Only an admin may do this.');
  return who;
}

/** True when `identity` may see data that belongs to `ownerId`. */
export function canSee(identity: Identity | null, ownerId: string): boolean {
  return identity !== null && (identity.role === 'ADMIN' || identity.customerId === ownerId);
}
