import type { EntityManager } from '@mikro-orm/postgresql';
import { pageSize, toConnection, type Connection } from '../../../../lib/pagination.js';
import { Notification, type DeliveryStatus, type NotificationChannel } from '../entities/notification.entity.js';
import { createdAtKey, olderThan } from './created-at-cursor.js';

export interface NotificationListArgs {
  first?: number | null;
  after?: string | null;
  status?: DeliveryStatus | null;
  channel?: NotificationChannel | null;
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
  if (args.after) page.andWhere(olderThan(args.after));
  // Plain rows, not managed entities: a page is only read (lib/db/read-rows.ts says why).
  const rows = await page.orderBy({ createdAt: 'desc', id: 'desc' }).limit(first + 1).execute<Notification[]>('all');
  return toConnection(rows, first, createdAtKey, () => filtered().getCount());
}
