import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    pool: 'forks',
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Network tests create namespaces and veths; keep parallelism modest on a 2-core machine.
    maxWorkers: 2,
  },
});
