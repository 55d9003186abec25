import { badInput } from './errors.js';

/** The largest page a client may ask for; it bounds the cost of every list field. */
export const MAX_PAGE_SIZE = 100;

export interface Connection<T> {
  nodes: T[];
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  /** A thunk, so the COUNT(*) runs only when a client selects `totalCount`. */
  totalCount: () => Promise<number>;
}

export function pageSize(first: number | null | undefined, fallback = 20): number {
  const n = first ?? fallback;
  if (!Number.isInteger(n) || n < 0 || n > MAX_PAGE_SIZE) {
    throw badInput(`first must be between 0 and ${MAX_PAGE_SIZE}.`, { field: 'first' });
  }
  return n;
}

/** Cursors are opaque to clients: base64url of the sort key of the last row. */
export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string, arity: number): (string | number)[] {
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(key) && key.length === arity && key.every((k) => typeof k === 'string' || typeof k === 'number')) {
      return key;
    }
  } catch {
    // fall through to the error below
  }
  throw badInput('after is not a cursor this API returned.', { field: 'after' });
}

/**
 * Builds a connection from rows fetched with `limit first + 1`: the extra row only tells
 * whether there is a next page.
 */
export function toConnection<T>(
  rows: T[],
  first: number,
  keyOf: (row: T) => readonly (string | number)[],
  totalCount: () => Promise<number>,
): Connection<T> {
  const nodes = rows.slice(0, first);
  const edges = nodes.map((node) => ({ cursor: encodeCursor(keyOf(node)), node }));
  return {
    nodes,
    edges,
    pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null },
    totalCount,
  };
}
