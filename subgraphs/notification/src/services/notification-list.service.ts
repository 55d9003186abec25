import type { EntityManager } from '@mikro-orm/postgresql';
import { badInput } from '../../../../lib/errors.js';
import { isUuid } from '../../../../lib/ids.js';
import { decodeCursor, pageSize, toConnection, type Connection } from '../../../../lib/pagination.js';
import { Notification, type DeliveryStatus, type NotificationChannel } from '../entities/notification.entity.js';

export interface NotificationListArgs {
  first?: number | null;
  after?: string | null;
  status?: DeliveryStatus | null;
  channel?: NotificationChannel | null;
}

/** The sort key a cursor carries: the last row's createdAt (ISO) and id. */
function decodeNotificationCursor(cursor: string): { createdAt: Date; id: string } {
  const [iso, id] = decodeCursor(cursor, 2);
  const createdAt = new Date(iso);
  if (typeof iso !== 'string' || Number.isNaN(createdAt.getTime()) || !isUuid(id)) {
    throw badInput('after is not a cursor this API returned.', { field: 'after' });
  }
  return { createdAt, id };
}

/** Every notification, newest first; keyset pagination so deep pages cost the same as the first. */
export async function listNotifications(em: EntityManager, args: NotificationListArgs): Promise<Connection<Notification>> {
  const first = pageSize(args.first);
  const filtered = () => {
    const qb = em.createQueryBuilder(Notification, 'n');
    if (args.status) qb.andWhere({ status: args.status });
    if (args.channel) qb.andWhere({ channel: args.channel });
    return qb;
  };

  const page = filtered();
  if (args.after) {
    const { createdAt, id } = decodeNotificationCursor(args.after);
    page.andWhere({ $or: [{ createdAt: { $lt: createdAt } }, { createdAt, id: { $lt: id } }] });
  }
  const rows = await page.orderBy({ createdAt: 'desc', id: 'desc' }).limit(first + 1).getResultList();
  return toConnection(rows, first, (n) => [n.createdAt.toISOString(), n.id], () => filtered().getCount());
}
