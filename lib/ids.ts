import { badInput } from './errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** Checks a client-supplied id; a malformed one is the client's mistake, not a missing record. */
export function parseId(value: string, field = 'id'): string {
  if (!isUuid(value)) throw badInput(`${field} must be a UUID.`, { field });
  return value.toLowerCase();
}

/** The id of an entity reference from another subgraph, normalised; `null` when it cannot be one of ours. */
export function referenceId(value: unknown): string | null {
  return isUuid(value) ? value.toLowerCase() : null;
}
