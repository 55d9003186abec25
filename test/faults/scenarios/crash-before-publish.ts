import type { Scenario } from '../scenario.js';

/**
 * 3. The order service SIGKILLed between commit and publish. First a plain SIGKILL mid-run; then it
 * is restarted with its outbox relay held back (OUTBOX_RELAY_START_DELAY_MS), so the orders it
 * accepts are committed with their events unpublished, and SIGKILLed again: the next start must
 * publish them, once each.
 */
export const crashBeforePublish: Scenario = {
  id: 3,
  title: 'order service SIGKILLed between commit and publish, then restarted',
  durationMs: 16_000,
  async inject(ctx) {
    const order = ctx.cluster.subgraphs.order[0];
    await ctx.at(3000);
    await order.kill('SIGKILL');
    await order.start({ OUTBOX_RELAY_START_DELAY_MS: '600000' });
    // Orders keep coming while the relay is held back: committed, not published.
    await new Promise((r) => setTimeout(r, 3000));
    const { rows } = await ctx.cluster.db.order.query<{ n: string }>('select count(*) as n from outbox_events where published_at is null');
    ctx.note(`${rows[0].n} events committed but unpublished at the second SIGKILL`);
    if (Number(rows[0].n) === 0) throw new Error('the relay was held back, yet no event waited in the outbox: the gap between commit and publish was not hit');
    await order.kill('SIGKILL');
    await order.start();
  },
};
