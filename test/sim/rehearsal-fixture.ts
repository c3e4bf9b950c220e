import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/load-config.js';
import { loadDrainPlan } from '../../src/drain/load-plan.js';
import { type Rehearsal, type RehearsalDeps, startRehearsal } from '../../src/sim/rehearsal.js';
import type { Scenario } from '../../src/sim/scenario.js';
import type { SshRunner } from '../../src/ssh/runner-types.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { FakeSshRunner } from '../helpers/fake-ssh-runner.js';

export const STEP = {
  name: 'stop-jobs',
  run: 'pkill -f job || true',
  verify: '! pgrep -f job',
  timeoutSeconds: 5,
  verifyAttempts: 2,
  verifyIntervalSeconds: 0.1,
};

/** `count` nodes pc1..pcN (pc1 oldest), as the configuration and the simulator know them. */
export const sliceNodes = (count: number) =>
  Array.from({ length: count }, (_, i) => ({ nodeId: `pc${i + 1}`, clientId: `node${i + 1}` }));

/** A scenario sped up for tests: calls `interval` seconds apart, `waitTime` seconds to wait. */
export const quick = (scenario: Scenario, interval = 0.3, waitTime = 6): Scenario => ({
  ...scenario,
  interval,
  waitTime,
});

/**
 * The simulator and an in-process agent over real loopback sockets, the agent registered through
 * the registration client; the drain runs on `runner` (a recording fake unless given).
 */
export async function rehearse(
  options: { nodes?: number; runner?: SshRunner; wrapHandlers?: RehearsalDeps['wrapHandlers'] } = {},
) {
  const dir = await mkdtemp(join(tmpdir(), 'dynslice-sim-test-'));
  const nodes = sliceNodes(options.nodes ?? 4);
  const config = parseConfig(
    {
      endpoint: { listen: '127.0.0.1:0' },
      nodes: nodes.map((n) => ({ node_id: n.nodeId, client_id: n.clientId, host: `${n.clientId}.test` })),
      drain: { steps: [STEP], bestEffortSeconds: 1 },
      state: { dir: join(dir, 'state') },
    },
    'test configuration',
    dir,
  );
  const runner = options.runner ?? new FakeSshRunner();
  const log = captureLogger('info');
  const rehearsal: Rehearsal = await startRehearsal({
    config,
    runner,
    plan: await loadDrainPlan(config),
    logger: log.logger,
    nodes,
    defwaittime: 60,
    wrapHandlers: options.wrapHandlers,
  });
  return {
    rehearsal,
    runner,
    lines: log.lines,
    async close() {
      await rehearsal.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
