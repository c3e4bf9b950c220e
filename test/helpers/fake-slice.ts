import { SimulatedClock } from 'xstate';
import { drainSchema } from '../../src/config/drain-schema.js';
import { compilePlan } from '../../src/drain/plan.js';
import { ActionRegistry } from '../../src/drain/registry.js';
import { Slice, type SliceDeps } from '../../src/slice/slice.js';
import { captureLogger } from './capture-logger.js';
import { FakeSshRunner } from './fake-ssh-runner.js';

const STEPS = [
  {
    name: 'stop-jobs',
    run: 'pkill -f job || true',
    verify: '! pgrep -f job',
    timeoutSeconds: 30,
    verifyAttempts: 2,
    verifyIntervalSeconds: 1,
  },
];

/** A slice of two configured nodes (pc1/node1, pc2/node2) on a SimulatedClock, behind a fake SSH runner. */
export function makeSlice(overrides: Partial<SliceDeps> = {}) {
  const clock = new SimulatedClock();
  clock.set(5_000_000);
  const runner = new FakeSshRunner();
  const { logger, lines } = captureLogger();
  const slice = new Slice({
    plan: compilePlan(drainSchema.parse({ steps: STEPS }), new ActionRegistry()),
    runner,
    logger,
    now: () => clock.now(),
    clock,
    bestEffortSeconds: 3,
    onFailure: 'hold',
    ssh: { user: 'root', port: 22 },
    unknownNodes: 'adopt',
    ...overrides,
  });
  for (const [nodeId, clientId] of [
    ['pc1', 'node1'],
    ['pc2', 'node2'],
  ] as const) {
    slice.addNode({ nodeId, clientId, target: { nodeId, host: `${clientId}.example`, port: 22, user: 'root' } });
  }
  return { slice, runner, clock, lines };
}
