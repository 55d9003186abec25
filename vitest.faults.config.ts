import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * `npm run test:faults`: the fault-injection suite (test/faults/), which runs the services as child
 * processes on its own nats-server and breaks them while orders flow. `npm test` leaves it out.
 */
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['test/faults/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    testTimeout: 240_000,
    hookTimeout: 240_000,
    // One file at a time: a file starts a dozen processes and needs the machine's cores to itself.
    poolOptions: { forks: { maxForks: 1, minForks: 1 } },
  },
});
