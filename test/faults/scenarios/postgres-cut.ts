import { setTimeout as sleep } from 'node:timers/promises';
import type { Scenario } from '../scenario.js';

/**
 * 2. Every Postgres session of the order service cut (`pg_terminate_backend` on its database) three
 * times, 1.5 s apart, while it places orders and runs the saga: transactions in flight fail and
 * are retried (clients with their idempotency key, consumers by redelivery); the pool reconnects.
 */
export const postgresCut: Scenario = {
  id: 2,
  title: "order service's Postgres sessions cut (pg_terminate_backend) mid-run",
  durationMs: 10_000,
  async inject(ctx) {
    await ctx.at(3000);
    const cut: number[] = [];
    for (let i = 0; i < 3; i++) {
      cut.push(await ctx.cluster.terminateSessions('order'));
      if (i < 2) await sleep(1500);
    }
    ctx.note(`sessions cut: ${cut.join(' + ')}`);
  },
};
