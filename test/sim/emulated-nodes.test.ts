import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatedNodes, startEmulatedNodes } from '../../src/sim/emulated-nodes.js';
import { JOB_DRAIN_STEP } from '../../src/sim/node-job.js';
import { createNodeSshRunner, type NodeSshRunner } from '../../src/ssh/pooled-runner.js';
import { captureLogger } from '../helpers/capture-logger.js';

const until = async (check: () => Promise<boolean>, ms: number) => {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('emulated nodes', () => {
  let dir: string;
  let nodes: EmulatedNodes;
  let runner: NodeSshRunner;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dynslice-emulated-'));
    nodes = await startEmulatedNodes({ count: 2, baseDir: dir, checkpointSeconds: () => 0.3 });
    runner = createNodeSshRunner({
      privateKeyPath: nodes.privateKeyPath,
      knownHostsPath: nodes.knownHostsPath,
      hostKeyChecking: 'yes',
      logger: captureLogger('warn').logger,
    });
  });

  afterAll(async () => {
    await runner?.close();
    await nodes?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('each runs a job that keeps making progress in its own directory', async () => {
    const [a, b] = nodes.nodes;
    expect(a!.dir).not.toBe(b!.dir);
    expect(a!.port).not.toBe(b!.port);
    await until(async () => (await a!.job.state()).progress >= 3, 5_000);
    expect(await a!.job.state()).toMatchObject({ running: true, checkpoint: null });
  });

  it('the demo drain step, run over SSH with host keys checked, stops the job with its work saved', async () => {
    const node = nodes.nodes[0]!;
    const target = { nodeId: node.nodeId, host: node.host, port: node.port, user: node.user };
    expect((await runner.run(target, JOB_DRAIN_STEP.verify, { timeoutMs: 5_000 })).code).not.toBe(0);
    expect((await runner.run(target, JOB_DRAIN_STEP.run, { timeoutMs: 5_000 })).code).toBe(0);
    await until(async () => (await runner.run(target, JOB_DRAIN_STEP.verify, { timeoutMs: 5_000 })).code === 0, 5_000);
    const job = await node.job.state();
    expect(job.running).toBe(false);
    expect(job.checkpoint).toBe(job.progress);
    expect(nodes.logins(node.nodeId)).toBe(1);
    // The other node was not touched.
    expect((await nodes.nodes[1]!.job.state()).running).toBe(true);
  });
});
