import { afterAll, afterEach, beforeAll } from 'vitest';
import { createNodeSshRunner, type NodeSshRunner, type NodeSshRunnerOptions } from '../../src/ssh/node-ssh-runner.js';
import { captureLogger } from './capture-logger.js';
import { killMatching, uniqueSleep } from './local-processes.js';
import { startSshNodes, type SshTestNodes, type StartSshNodesOptions } from './sshd.js';

export interface SshRunnerFixture {
  readonly sshd: SshTestNodes;
  readonly runner: NodeSshRunner;
  /** A `sleep` command unique to this test, killed on the local machine after the test. */
  sleeper(seconds: number): string;
}

/**
 * For a describe block: `nodes` SSH servers and a node-ssh runner that trusts them (host keys
 * checked), started before its tests and stopped after; sleepers are cleaned up after each test.
 */
export function useSshRunner(
  nodes: number,
  options: { runner?: Partial<NodeSshRunnerOptions>; sshd?: StartSshNodesOptions } = {},
): SshRunnerFixture {
  let sshd: SshTestNodes | undefined;
  let runner: NodeSshRunner | undefined;
  const markers: string[] = [];

  beforeAll(async () => {
    sshd = await startSshNodes(nodes, options.sshd);
    runner = createNodeSshRunner({
      privateKeyPath: sshd.privateKeyPath,
      knownHostsPath: sshd.knownHostsPath,
      hostKeyChecking: 'yes',
      logger: captureLogger().logger,
      ...options.runner,
    });
  });
  afterEach(() => {
    for (const marker of markers.splice(0)) killMatching(marker);
  });
  afterAll(async () => {
    await runner?.close();
    await sshd?.stop();
  });

  return {
    get sshd() {
      if (!sshd) throw new Error('the SSH servers start in beforeAll');
      return sshd;
    },
    get runner() {
      if (!runner) throw new Error('the runner starts in beforeAll');
      return runner;
    },
    sleeper(seconds) {
      const duration = uniqueSleep(seconds);
      markers.push(duration);
      return duration;
    },
  };
}
