import { waitFor } from '../../../lib/testing/wait.js';
import type { Scenario } from '../scenario.js';
import { ReconnectingSubscriber } from '../subscribers.js';

let feed: ReconnectingSubscriber | undefined;

/**
 * 1. NATS killed (SIGKILL) mid-run and started again on the same port and store. Placing orders
 * needs no NATS (the outbox holds the events); relays and consumers must reconnect and resume,
 * and the gateway's subscriptions, fed by NATS too, must end on every order's final state.
 */
export const natsRestart: Scenario = {
  id: 1,
  title: 'NATS killed (SIGKILL) and restarted mid-run',
  durationMs: 10_000,
  async setup(ctx) {
    feed = new ReconnectingSubscriber({ url: () => ctx.cluster.gatewayUrl, token: ctx.adminToken, query: 'subscription { orderUpdates { id status } }', field: 'orderUpdates' }).start();
    await new Promise((r) => setTimeout(r, 1000));
  },
  async inject(ctx) {
    await ctx.at(3000);
    await ctx.cluster.nats.kill('SIGKILL');
    const down = Date.now();
    await ctx.at(6000);
    await ctx.cluster.nats.start();
    ctx.healedAt = Date.now();
    ctx.note(`NATS down ${((ctx.healedAt - down) / 1000).toFixed(1)} s`);
  },
  async verify(ctx) {
    const ids = ctx.flow.orders.flatMap((o) => (o.id ? [o.id] : []));
    const { rows } = await ctx.cluster.db.order.query<{ id: string; status: string }>('select id, status from orders where id = any($1)', [ids]);
    const lastSeen = () => {
      const last = new Map<string, string>();
      for (const u of feed!.received) last.set(u.id, u.status);
      return rows.filter((r) => last.get(r.id) === r.status).length;
    };
    await waitFor('the feed to show every final state', async () => (lastSeen() === rows.length ? true : undefined), 15_000, 250).catch(() => undefined);
    ctx.note(`an admin orderUpdates subscriber (kept open through the restart) last saw the final state of ${lastSeen()} of ${rows.length} orders`);
    return lastSeen() === rows.length ? [] : [`the orderUpdates subscriber last saw the final state of only ${lastSeen()} of ${rows.length} orders`];
  },
  async teardown() {
    await feed?.dispose();
  },
};
