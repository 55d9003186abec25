import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '../../../lib/testing/wait.js';
import type { Scenario } from '../scenario.js';
import { ReconnectingSubscriber, regressions } from '../subscribers.js';

const QUERY = 'subscription($id: ID!) { orderStatusChanged(orderId: $id) { id status } }';
/** Every third order gets its own subscriber, opened as soon as placeOrder answers. */
const EVERY = 3;
const subscribers = new Map<string, ReconnectingSubscriber>();
let placed = 0;

/**
 * 7. Subscribers killed mid-saga: each order's owner follows it with `orderStatusChanged`; every
 * 400 ms a third of the sockets are terminated (no close handshake) and reconnect 100–500 ms later.
 * After the saga, each subscriber's last update must be the order's final state, and none may
 * have seen an order go back.
 */
export const subscriberKills: Scenario = {
  id: 7,
  title: 'subscribers killed and reconnected mid-saga',
  durationMs: 10_000,
  async setup() {
    subscribers.clear();
    placed = 0;
  },
  onPlaced(ctx, order) {
    if (placed++ % EVERY !== 0) return;
    subscribers.set(order.id!, new ReconnectingSubscriber({ url: () => ctx.cluster.gatewayUrl, token: order.shopper.token, query: QUERY, variables: { id: order.id }, field: 'orderStatusChanged' }).start());
  },
  async inject(ctx) {
    await ctx.at(1000);
    while (Date.now() < ctx.flow.orders[0].sentAt + 11_000) {
      for (const s of subscribers.values()) if (randomInt(3) === 0) s.kill();
      await sleep(400);
    }
  },
  async verify(ctx) {
    const problems: string[] = [];
    const { rows } = await ctx.cluster.db.order.query<{ id: string; status: string }>('select id, status from orders where id = any($1)', [[...subscribers.keys()]]);
    const final = new Map(rows.map((r) => [r.id, r.status]));
    const wrong = () => [...subscribers].filter(([id, s]) => s.last?.status !== final.get(id));
    await waitFor('every subscriber to hold its order final state', async () => (wrong().length === 0 ? true : undefined), 15_000, 250).catch(() => undefined);
    const all = [...subscribers.values()];
    const kills = all.reduce((n, s) => n + s.kills, 0);
    const backwards = all.reduce((n, s) => n + regressions(s.received), 0);
    if (wrong().length) problems.push(`${wrong().length} subscriber(s) last saw a state other than the order's final one, e.g. ${JSON.stringify(wrong()[0][1].received)} vs ${final.get(wrong()[0][0])}`);
    if (backwards) problems.push(`${backwards} update(s) showed an order going back in the saga`);
    if (kills === 0) problems.push('no subscriber was killed');
    ctx.note(`${all.length} subscribers, ${kills} sockets killed, ${all.reduce((n, s) => n + s.reconnects, 0)} reconnects, ${all.reduce((n, s) => n + s.received.length, 0)} updates; last state = final state for ${all.length - wrong().length} of ${all.length}`);
    await Promise.all(all.map((s) => s.dispose()));
    return problems;
  },
};
