import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Vite picks graphql's ESM build for our sources while Apollo and graphql-ws (loaded by Node)
    // get the CommonJS one; two graphql instances reject each other's schemas. Node itself, and so
    // `npm start`, resolves `graphql` to the CommonJS build: tests do the same.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    include: ['**/*.test.ts'],
    // test/faults/ breaks services on purpose and takes minutes: `npm run test:faults`.
    exclude: ['**/node_modules/**', 'bench/**', 'test/faults/**'],
    globalSetup: ['./test/global-setup.ts'],
    reporters: ['default', './test/summary-reporter.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // Each file starts real servers on real Postgres and NATS; two at a time suits a 2-core machine.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
