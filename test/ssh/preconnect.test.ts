import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drainSchema } from '../../src/config/drain-schema.js';
import { compilePlan } from '../../src/drain/plan.js';
import { ActionRegistry } from '../../src/drain/registry.js';
import { Slice } from '../../src/slice/slice.js';
import { createNodeSshRunner, type NodeSshRunner } from '../../src/ssh/pooled-runner.js';
import type { SshTarget } from '../../src/ssh/runner-types.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { freePort } from '../helpers/ssh-test-nodes.js';
import { type SshTestNodes, startSshNodes, targetOf } from '../helpers/sshd.js';

async function until(condition: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  return condition();
}

describe('node-ssh runner holding connections ahead of drains', () => {
  let sshd: SshTestNodes;
  let runner: NodeSshRunner;

  beforeAll(async () => {
    sshd = await startSshNodes(2);
    const { privateKeyPath, knownHostsPath } = sshd;
    const logger = captureLogger().logger;
    runner = createNodeSshRunner({
      privateKeyPath,
      knownHostsPath,
      hostKeyChecking: 'yes',
      connectTimeoutMs: 2_000,
      connectRetries: 0,
      logger,
    });
  });
  afterAll(() => runner?.close().then(() => sshd?.stop()));

  it('runs a warmed node’s commands over the connection it opened ahead, with no new handshake', async () => {
    const target = targetOf(sshd.nodes[0]!);
    expect(await runner.warm!(target)).toBe(true);
    const before = runner.stats().connects;
    const result = await runner.run(target, 'echo ready', { timeoutMs: 10_000 });
    expect(result.stdout.trim()).toBe('ready');
    expect(runner.stats().connects).toBe(before);
  });

  it('reopens a warmed connection that drops, without waiting for a command', async () => {
    const target = targetOf(sshd.nodes[1]!);
    expect(await runner.warm!(target)).toBe(true);
    const before = runner.stats().connects;
    await sshd.dropConnections(target.nodeId);
    expect(await until(() => runner.stats().connects > before, 15_000)).toBe(true);
  });

  it('answers false for a node it cannot reach', async () => {
    const nowhere: SshTarget = { nodeId: 'gone', host: '127.0.0.1', port: await freePort(), user: 'root' };
    expect(await runner.warm!(nowhere)).toBe(false);
  });
});

describe('a slice asked to preconnect', () => {
  it('warms every node it holds and every node added after', async () => {
    const warmed: string[] = [];
    const runner = {
      run: () => Promise.reject(new Error('no command expected')),
      warm: async (target: SshTarget) => warmed.push(target.nodeId) > 0,
      release: () => undefined,
      close: async () => undefined,
    };
    const slice = new Slice({
      plan: compilePlan(drainSchema.parse({}), new ActionRegistry()),
      runner,
      logger: captureLogger().logger,
      now: Date.now,
      bestEffortSeconds: 3,
      onFailure: 'hold',
      ssh: { user: 'root', port: 22 },
      unknownNodes: 'adopt',
    });
    const target = (nodeId: string) => ({ nodeId, host: `${nodeId}.example`, port: 22, user: 'root' });
    slice.addNode({ nodeId: 'pc1', clientId: null, target: target('pc1') });
    expect(warmed).toEqual([]);
    expect(await slice.preconnect()).toBe(1);
    slice.addNode({ nodeId: 'pc2', clientId: null, target: target('pc2') });
    expect(warmed).toEqual(['pc1', 'pc2']);
    slice.stop();
  });
});
