import { canSee, type Identity } from '../../../../lib/auth/identity.js';
import type { Notification } from '../entities/notification.entity.js';

/**
 * Admins see every notification; a customer sees only those addressed to them. Rows with no
 * customer (webhooks) are admin-only.
 */
export function canSeeNotification(identity: Identity | null, n: Notification): boolean {
  return identity?.role === 'ADMIN' || (n.customerId !== null && canSee(identity, n.customerId));
}

/** Why a delivery failed can name our mail relay or a partner's server: only admins need it. */
export function visibleLastError(identity: Identity | null, n: Notification): string | null {
  return identity?.role === 'ADMIN' ? n.lastError : null;
}
