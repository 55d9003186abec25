import type { Identity } from '../../../lib/auth/identity.js';
import type { TokenVerifier } from '../../../lib/auth/jwt.js';

/** A WebSocket's caller, verified once at `connection_init`, and when its token stops being valid. */
export interface ConnectionIdentity {
  identity: Identity;
  /** Epoch seconds (the JWT's `exp`). */
  expiresAt: number;
}

/** WebSocket close reasons are capped at 123 bytes, so these stay short. */
export const CloseReason = {
  missingToken: 'Forbidden: send { authorization: "Bearer <token>" } in connection_init',
  badToken: 'Forbidden: the token is invalid or has expired; log in again',
  expired: 'Forbidden: the token expired; reconnect with a fresh one',
} as const;

/**
 * The token from a `connection_init` payload: `authorization: "Bearer <token>"` (as the HTTP
 * header would carry it, in any case) or a bare `token`.
 */
export function tokenFromConnectionParams(params: Readonly<Record<string, unknown>> | undefined): string | undefined {
  if (!params) return undefined;
  const header = Object.entries(params).find(([key]) => key.toLowerCase() === 'authorization')?.[1];
  if (typeof header === 'string') return /^Bearer\s+(\S+)$/i.exec(header.trim())?.[1];
  return typeof params.token === 'string' && params.token.length > 0 ? params.token : undefined;
}

/** Verifies the connection's token; a refusal carries the close reason the client will see. */
export async function authenticateConnection(
  verify: TokenVerifier,
  params: Readonly<Record<string, unknown>> | undefined,
): Promise<ConnectionIdentity | { refused: string }> {
  const token = tokenFromConnectionParams(params);
  if (!token) return { refused: CloseReason.missingToken };
  try {
    const { customerId, role, expiresAt } = await verify(token);
    return { identity: { customerId, role }, expiresAt };
  } catch {
    return { refused: CloseReason.badToken };
  }
}
