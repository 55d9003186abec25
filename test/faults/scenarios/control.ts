import type { Scenario } from '../scenario.js';

/** 0. No fault: the same load and checker, the baseline for the other scenarios' recovery times on this machine. */
export const control: Scenario = {
  id: 0,
  title: 'no fault (control)',
  durationMs: 10_000,
  async inject(ctx) {
    await ctx.at(10_000);
  },
};
