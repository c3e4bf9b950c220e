import { defineConfig } from 'vitest/config';

/**
 * Campaigns keep both cores busy for minutes (agents killed and restarted, fuzzing, 50 callers at
 * once, a node printing endlessly). Beside them, the suite's SSH tests saw channels take more than
 * 5 s to open; so they run after the suite, one file at a time.
 */
const CAMPAIGNS = [
  'test/e2e/crash-campaign.test.ts',
  'test/e2e/hostile-peers-campaign.test.ts',
  'test/e2e/npm-install.test.ts',
  'test/e2e/output-flood.test.ts',
  'test/fuzz/fuzz-campaign.test.ts',
  'test/load/load.test.ts',
  'test/model/agent-model.campaign.test.ts',
  'test/model/agent-process.campaign.test.ts',
  'test/soak/month.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // End-to-end suites start sshd and agent processes: keep the 2-core machines unsaturated.
    maxWorkers: 2,
    reporters: ['default', './test/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: CAMPAIGNS, sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: { name: 'campaigns', include: CAMPAIGNS, fileParallelism: false, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
