import { createActor, toPromise } from 'xstate';
import type { StepRequest, VerifyResult } from '../../machines/drain.types.js';
import { drainSchema } from '../../src/config/drain-schema.js';
import { compilePlan } from '../../src/drain/plan.js';
import { ActionRegistry } from '../../src/drain/registry.js';
import { createStepActors } from '../../src/drain/step-actors.js';
import { createNodeSshRunner } from '../../src/ssh/pooled-runner.js';
import { captureLogger } from './capture-logger.js';
import type { SshTestNodes } from './sshd.js';

/** For tests that run several commands on a real node: one login shell took over 20 s on a saturated machine. */
export const SSH_TEST_TIMEOUT_MS = 180_000;

/**
 * One drain step's `run` and `verify`, each on its own, through the agent's step actors and SSH
 * runner against the harness's first node: what a drain does, without the ladder around it.
 */
export function realStep(ssh: SshTestNodes) {
  const { logger, lines } = captureLogger('info');
  const runner = createNodeSshRunner({
    privateKeyPath: ssh.privateKeyPath,
    knownHostsPath: ssh.knownHostsPath,
    hostKeyChecking: 'yes',
    connectTimeoutMs: 5_000,
    logger,
  });
  const node = ssh.nodes[0]!;
  const target = { nodeId: node.nodeId, host: node.host, port: node.port, user: node.user };

  function prepare(step: Record<string, unknown>) {
    const plan = compilePlan(drainSchema.parse({ graceful: [step] }), new ActionRegistry());
    const actors = createStepActors({ plan, runner, targetOf: () => target, logger, now: Date.now });
    const input: StepRequest = {
      node: { nodeId: node.nodeId, clientId: node.clientId, deadline: null },
      phase: 'graceful',
      stepIndex: 0,
      step: plan.outline.graceful[0]!,
      attempt: 0,
    };
    return { actors, input };
  }

  return {
    lines,
    run(step: Record<string, unknown>): Promise<void> {
      const { actors, input } = prepare(step);
      return toPromise(createActor(actors.runStep, { input }).start());
    },
    verify(step: Record<string, unknown>): Promise<VerifyResult> {
      const { actors, input } = prepare(step);
      return toPromise(createActor(actors.verifyStep, { input }).start());
    },
    close: () => runner.close(),
  };
}
