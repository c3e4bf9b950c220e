import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { killMatching, uniqueSleep, waitForPids } from '../helpers/local-processes.js';
import { pathWithout } from '../helpers/node-path.js';
import { startOpenSshNodes } from '../helpers/openssh-nodes.js';
import { realStep, SSH_TEST_TIMEOUT_MS } from '../helpers/real-step.js';
import type { SshTestNodes } from '../helpers/sshd.js';

/** A job on the node (this machine): a `sleep` no other process runs, so its command line names it. */
function startJob(): { job: ChildProcess; pattern: string } {
  const seconds = uniqueSleep(300);
  return { job: spawn('sleep', [seconds], { stdio: 'ignore' }), pattern: `sleep ${seconds}` };
}
const alive = (job: ChildProcess) => job.exitCode === null && job.signalCode === null;

describe('kill: verify passes only when pgrep says no process matches', { timeout: SSH_TEST_TIMEOUT_MS }, () => {
  let scratch: string;
  let node: SshTestNodes;
  let nodeWithoutPgrep: SshTestNodes;
  let step: ReturnType<typeof realStep>;
  let stepWithoutPgrep: ReturnType<typeof realStep>;
  const patterns: string[] = [];

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'dynslice-kill-verify-'));
    node = await startOpenSshNodes(1);
    // Sessions of this sshd find every program of the standard PATH except pgrep.
    nodeWithoutPgrep = await startOpenSshNodes(1, {
      extraConfig: [`SetEnv PATH=${pathWithout(['pgrep'], join(scratch, 'bin'))}`],
    });
    step = realStep(node);
    stepWithoutPgrep = realStep(nodeWithoutPgrep);
  });
  afterEach(() => {
    for (const pattern of patterns.splice(0)) killMatching(pattern);
  });
  afterAll(async () => {
    await step?.close();
    await stepWithoutPgrep?.close();
    await node?.stop();
    await nodeWithoutPgrep?.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  function job(): { job: ChildProcess; pattern: string } {
    const started = startJob();
    patterns.push(started.pattern);
    return started;
  }

  it('fails while the job runs, naming its pid, and passes once run has stopped it', async () => {
    const { job: running, pattern } = job();
    expect(await waitForPids(pattern, true, 5_000)).toBe(true);
    expect(await step.verify({ action: 'kill', pattern })).toEqual({
      passed: false,
      detail: `still-running: processes still match: 1 (${running.pid})`,
    });
    await step.run({ action: 'kill', pattern });
    await new Promise<void>((resolve) => (alive(running) ? running.once('exit', () => resolve()) : resolve()));
    expect(await step.verify({ action: 'kill', pattern })).toEqual({ passed: true });
  });

  it('fails for a user the node does not know, and the job keeps running', async () => {
    const { job: running, pattern } = job();
    await step.run({ action: 'kill', pattern, user: 'nosuchuser' });
    expect(await step.verify({ action: 'kill', pattern, user: 'nosuchuser' })).toEqual({
      passed: false,
      detail: 'bad-user: pgrep: invalid user name: nosuchuser',
    });
    expect(alive(running)).toBe(true);
  });

  it('fails for a numeric uid with no account (pgrep would take any number), and passes for one that exists', async () => {
    const { pattern } = job();
    expect(await step.verify({ action: 'kill', pattern, user: '4242424' })).toEqual({
      passed: false,
      detail: 'bad-user: pgrep: invalid user name: 4242424',
    });
    // uid 0 exists; the job runs as this user, so for another uid nothing matches.
    const other = process.getuid?.() === 0 ? '65534' : '0';
    expect(await step.verify({ action: 'kill', pattern, user: other })).toEqual({ passed: true });
  });

  it('fails for a pattern pgrep cannot compile', async () => {
    const verdict = await step.verify({ action: 'kill', pattern: 'job(' });
    expect(verdict.passed).toBe(false);
    expect(verdict.detail).toMatch(/^bad-pattern: pgrep: regex error: /);
  });

  it('fails when the node has no pgrep', async () => {
    const { pattern } = job();
    expect(await stepWithoutPgrep.verify({ action: 'kill', pattern })).toEqual({
      passed: false,
      detail: 'tool-missing: pgrep not found on the node (sh: 1: pgrep: not found)',
    });
  });
});
