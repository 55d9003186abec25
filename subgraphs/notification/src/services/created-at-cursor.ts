import { badInput } from '../../../../lib/errors.js';
import { isUuid } from '../../../../lib/ids.js';
import { decodeCursor } from '../../../../lib/pagination.js';

/** The sort key of the lists here, newest first: the row's createdAt (ISO, milliseconds) and id. */
export interface CreatedAtKey {
  createdAt: Date;
  id: string;
}

export const createdAtKey = (row: CreatedAtKey): [string, string] => [row.createdAt.toISOString(), row.id];

export function decodeCreatedAtCursor(cursor: string): CreatedAtKey {
  const [iso, id] = decodeCursor(cursor, 2);
  const createdAt = new Date(iso);
  if (typeof iso !== 'string' || Number.isNaN(createdAt.getTime()) || !isUuid(id)) {
    throw badInput('after is not a cursor this API returned.', { field: 'after' });
  }
  return { createdAt, id };
}

/** The rows after `cursor` in newest-first order, as a MikroORM condition. */
export function olderThan(cursor: string) {
  const { createdAt, id } = decodeCreatedAtCursor(cursor);
  return { $or: [{ createdAt: { $lt: createdAt } }, { createdAt, id: { $lt: id } }] };
}
