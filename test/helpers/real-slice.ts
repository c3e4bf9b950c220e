import { drainSchema } from '../../src/config/drain-schema.js';
import { compilePlan, type DrainPlan } from '../../src/drain/plan.js';
import { ActionRegistry } from '../../src/drain/registry.js';
import { stateName } from '../../src/slice/node-actor.js';
import { Slice, type SliceDeps } from '../../src/slice/slice.js';
import { createNodeSshRunner, type NodeSshRunner } from '../../src/ssh/pooled-runner.js';
import type { SshTarget } from '../../src/ssh/runner-types.js';
import { captureLogger } from './capture-logger.js';
import type { SshTestNodes } from './sshd.js';

/** A Slice on the system clock whose drains run over real SSH against the harness's servers. */
export function realSlice(
  ssh: SshTestNodes,
  drain: Record<string, unknown>,
  options: { plan?: DrainPlan; knownHostsPath?: string; targets?: SshTarget[]; slice?: Partial<SliceDeps> } = {},
) {
  const { logger, lines } = captureLogger('info');
  const runner: NodeSshRunner = createNodeSshRunner({
    privateKeyPath: ssh.privateKeyPath,
    knownHostsPath: options.knownHostsPath ?? ssh.knownHostsPath,
    hostKeyChecking: 'yes',
    connectTimeoutMs: 5_000,
    logger,
  });
  const slice = new Slice({
    plan: options.plan ?? compilePlan(drainSchema.parse(drain), new ActionRegistry()),
    runner,
    logger,
    now: Date.now,
    bestEffortSeconds: 3,
    onFailure: 'hold',
    ssh: { user: ssh.nodes[0]!.user, port: 22 },
    unknownNodes: 'release',
    ...options.slice,
  });
  const targets =
    options.targets ?? ssh.nodes.map((n) => ({ nodeId: n.nodeId, host: n.host, port: n.port, user: n.user }));
  for (const target of targets) slice.addNode({ nodeId: target.nodeId, clientId: null, target });
  const state = (nodeId: string) => stateName(slice.get(nodeId)!.ensureStarted().getSnapshot().value);
  /** Resolves once every named node has left `draining` (bounded). */
  async function settled(nodeIds: string[], ms = 30_000): Promise<Record<string, string>> {
    const deadline = Date.now() + ms;
    while (nodeIds.some((id) => state(id).startsWith('draining')) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    return Object.fromEntries(nodeIds.map((id) => [id, state(id)]));
  }
  return {
    slice,
    runner,
    lines,
    state,
    settled,
    context: (nodeId: string) => slice.get(nodeId)!.ensureStarted().getSnapshot().context,
    async stop() {
      slice.stop();
      await runner.close();
    },
  };
}
