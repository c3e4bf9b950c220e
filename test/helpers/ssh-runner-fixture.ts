import { afterAll, afterEach, beforeAll } from 'vitest';
import { createNodeSshRunner, type NodeSshRunner, type NodeSshRunnerOptions } from '../../src/ssh/pooled-runner.js';
import type { RunResult, SshTarget } from '../../src/ssh/runner-types.js';
import { captureLogger } from './capture-logger.js';
import { killMatching, uniqueSleep, waitForPids } from './local-processes.js';
import { type SshTestNodes, type StartSshNodesOptions, startSshNodes } from './sshd.js';

export interface SshRunnerFixture {
  readonly sshd: SshTestNodes;
  readonly runner: NodeSshRunner;
  /** A `sleep` command unique to this test, killed on the local machine after the test. */
  sleeper(seconds: number): string;
  /**
   * Runs such a sleeper on a node (through `runner`, else the fixture's) and resolves once it runs
   * there; the run, still pending, is wrapped in an object so awaiting this does not wait for it.
   */
  startSleeper(
    target: SshTarget,
    options?: { seconds?: number; signal?: AbortSignal; runner?: NodeSshRunner },
  ): Promise<{ duration: string; running: Promise<RunResult> }>;
  /** Another runner that trusts the same servers; the test closes it. */
  ownRunner(options?: Partial<NodeSshRunnerOptions>): NodeSshRunner;
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

  const trusting = (servers: SshTestNodes, extra: Partial<NodeSshRunnerOptions> = {}): NodeSshRunner =>
    createNodeSshRunner({
      privateKeyPath: servers.privateKeyPath,
      knownHostsPath: servers.knownHostsPath,
      hostKeyChecking: 'yes',
      logger: captureLogger().logger,
      ...extra,
    });

  beforeAll(async () => {
    sshd = await startSshNodes(nodes, options.sshd);
    runner = trusting(sshd, options.runner);
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
    async startSleeper(target, { seconds = 300, signal, runner: through } = {}) {
      const duration = this.sleeper(seconds);
      const running = (through ?? this.runner).run(target, `sleep ${duration}`, { timeoutMs: seconds * 2_000, signal });
      if (!(await waitForPids(`sleep ${duration}`, true, 20_000, true)))
        throw new Error(`sleep ${duration} did not start on ${target.nodeId}`);
      return { duration, running };
    },
    ownRunner(extra) {
      return trusting(this.sshd, extra);
    },
  };
}
