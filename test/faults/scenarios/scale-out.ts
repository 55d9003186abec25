import { SUBGRAPH_NAMES } from '../../../lib/config.js';
import { waitFor } from '../../../lib/testing/wait.js';
import type { Scenario } from '../scenario.js';
import { ReconnectingSubscriber, type OrderUpdate } from '../subscribers.js';

interface Connection {
  cid: number;
  name: string;
  in_msgs: number;
  out_msgs: number;
}

/** nats-server's view of each client connection: what it published (in) and was delivered (out). */
async function connections(monitorUrl: string): Promise<Map<number, Connection>> {
  const res = await fetch(`${monitorUrl}/connz?limit=1024`);
  const body = (await res.json()) as { connections: Connection[] };
  return new Map(body.connections.map((c) => [c.cid, c]));
}

const feeds: ReconnectingSubscriber[] = [];
let before = new Map<number, Connection>();

/**
 * 5. Two replicas of every subgraph and two gateways (gateway 2 routes to the second replicas),
 * orders spread over both gateways. Replicas share each durable consumer and each outbox: no event
 * may have a second effect, no event may be stored twice, and an admin subscribed to `orderUpdates`
 * on either gateway must see every status change of every order.
 */
export const scaleOut: Scenario = {
  id: 5,
  title: 'two replicas of every subgraph and two gateways',
  durationMs: 10_000,
  async setup(ctx) {
    const { cluster } = ctx;
    await Promise.all(SUBGRAPH_NAMES.map((n) => cluster.addSubgraph(n)));
    await cluster.addGateway(1);
    feeds.length = 0;
    for (const gateway of cluster.gateways) {
      feeds.push(new ReconnectingSubscriber({ url: () => gateway.url, token: ctx.adminToken, query: 'subscription { orderUpdates { id status } }', field: 'orderUpdates' }).start());
    }
    // The feed has no first message: give the subscriptions a moment to be in place before orders flow.
    await new Promise((r) => setTimeout(r, 1000));
    before = await connections(cluster.natsMonitorUrl);
  },
  async inject(ctx) {
    await ctx.at(10_000);
  },
  async verify(ctx) {
    const problems: string[] = [];
    const { cluster } = ctx;

    // Both replicas of each service took part: each connection published events and was delivered some.
    const after = await connections(cluster.natsMonitorUrl);
    const share = SUBGRAPH_NAMES.map((name) => {
      const mine = [...after.values()].filter((c) => c.name === name);
      const counts = mine.map((c) => ({ out: c.out_msgs - (before.get(c.cid)?.out_msgs ?? 0), in: c.in_msgs - (before.get(c.cid)?.in_msgs ?? 0) }));
      if (mine.length !== 2 || counts.some((c) => c.out === 0 || c.in === 0)) problems.push(`${name}: not both replicas published and consumed: ${JSON.stringify(counts)}`);
      return `${name} ${counts.map((c) => `${c.in}/${c.out}`).join(' + ')}`;
    });
    ctx.note(`messages published/delivered per replica: ${share.join(', ')}`);

    // Each gateway's feed saw every change of every order, in order.
    const ids = ctx.flow.orders.flatMap((o) => (o.id ? [o.id] : []));
    const { rows } = await cluster.db.order.query<{ order_id: string; statuses: string[] }>(
      'select order_id, array_agg(status::text order by at, id) as statuses from order_status_changes where order_id = any($1) group by order_id',
      [ids],
    );
    const history = new Map(rows.map((r) => [r.order_id, r.statuses.join('>')]));
    const seen = (feed: ReconnectingSubscriber) => {
      const byOrder = new Map<string, string[]>();
      for (const u of feed.received as OrderUpdate[]) byOrder.set(u.id, [...(byOrder.get(u.id) ?? []), u.status]);
      return [...history].filter(([id, h]) => byOrder.get(id)?.join('>') === h).length;
    };
    await waitFor('both feeds to catch up', async () => (feeds.every((f) => seen(f) === history.size) ? true : undefined), 15_000, 250).catch(() => undefined);
    feeds.forEach((feed, i) => {
      const complete = seen(feed);
      if (complete !== history.size) problems.push(`gateway ${i + 1}'s subscriber saw every change of ${complete} of ${history.size} orders`);
      if (feed.reconnects) problems.push(`gateway ${i + 1}'s subscriber was disconnected: ${feed.errors.join('; ')}`);
    });
    ctx.note(`admin orderUpdates subscriber on each gateway saw every change of ${feeds.map(seen).join(' and ')} of ${history.size} orders`);
    return problems;
  },
  async teardown(ctx) {
    await Promise.all(feeds.map((f) => f.dispose()));
    await ctx.cluster.removeReplicas();
  },
};
