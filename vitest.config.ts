import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // End-to-end suites start sshd and agent processes: keep the 2-core machines unsaturated.
    maxWorkers: 2,
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
