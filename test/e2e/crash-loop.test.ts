import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { readHistory } from '../../src/store/history.js';
import { startAgentProcess } from '../helpers/agent-process.js';
import { startCli } from '../helpers/cli-process.js';
import { killMatching } from '../helpers/local-processes.js';
import { type SshTestNodes, startSshNodes } from '../helpers/sshd.js';
import { callWithPython } from '../helpers/xmlrpc-python.js';

const runId = randomBytes(4).toString('hex');

/**
 * A step that takes the agent down with it (here it kills the agent; in life, say, output that
 * exhausts its memory) must not make every restart die again: after `stepCrashLimit` deaths during
 * that step, a restart probes it with its verify, fails it, and serves on.
 */
describe('a drain step the agent keeps dying in', () => {
  let ssh: SshTestNodes;
  let dir: string;

  beforeAll(async () => {
    ssh = await startSshNodes(1);
    dir = await mkdtemp(join(tmpdir(), 'dynslice-crashloop-'));
  });
  afterAll(async () => {
    killMatching(`dynslice-crashloop-sleep-${runId}`);
    await ssh?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('is probed, not run again, after stepCrashLimit deaths: the node is held and the agent serves on', async () => {
    const node = ssh.nodes[0]!;
    const configFile = join(dir, 'agent.yaml');
    // Read from a file, so the step's own shell does not carry the pattern it kills.
    await writeFile(join(dir, 'kill-pattern'), configFile);
    const config = {
      endpoint: { listen: '127.0.0.1:0' },
      ssh: { user: node.user, privateKeyPath: ssh.privateKeyPath, knownHostsPath: ssh.knownHostsPath },
      nodes: [{ node_id: node.nodeId, client_id: node.clientId, host: node.host, port: node.port }],
      drain: {
        graceful: [
          {
            name: 'takes-the-agent-down',
            action: 'command',
            run: `echo run >> ${dir}/runs; pkill -KILL -f -- "$(cat ${dir}/kill-pattern)"; exec sleep 20 dynslice-crashloop-sleep-${runId}`,
            verify: `test -f ${dir}/never`,
            timeoutSeconds: 30,
          },
        ],
        stepCrashLimit: 2,
        onFailure: 'hold',
      },
      state: { dir: join(dir, 'state') },
    };
    await writeFile(configFile, stringify(config));
    const runs = async () =>
      (await readFile(join(dir, 'runs'), 'utf8').catch(() => '')).split('\n').filter(Boolean).length;

    // First start: the countdown starts the drain, whose step kills the agent.
    const first = await startAgentProcess(dir, config);
    const [reply] = await callWithPython(first.url, [
      {
        method: 'NotifyDeletePending',
        params: [{ nodelist: [{ node_id: node.nodeId, client_id: node.clientId, max_wait_time: 600 }] }],
      },
    ]);
    expect((reply?.result as { code: number } | undefined)?.code).toBe(0);
    const { child } = first;
    if (child.exitCode === null && child.signalCode === null)
      await new Promise((resolve) => child.once('exit', resolve));
    expect(child.signalCode).toBe('SIGKILL');
    expect(await runs()).toBe(1);

    // Second start: the restored drain probes the step (verify fails), runs it again, dies again.
    const second = startCli(['run', '-c', configFile]);
    expect(await second.exited).not.toBe(0);
    expect(await runs()).toBe(2);

    // Third start: the step is suspect. Its probe fails, so it fails without running; the agent serves.
    const third = await startAgentProcess(dir, config);
    const held = await third.waitFor((l) => l.msg === 'node state changed' && l.to === 'held', 30_000);
    expect(held.failure).toMatch(/^takes-the-agent-down: agent-crashed-during-step/);
    expect(
      third.lines.some((l) => l.level === 50 && String(l.msg).includes('agent-crashed-during-step') && l.deaths === 2),
    ).toBe(true);
    expect(await runs()).toBe(2);
    const [again] = await callWithPython(third.url, [
      {
        method: 'NotifyDeletePending',
        params: [{ nodelist: [{ node_id: node.nodeId, client_id: node.clientId, max_wait_time: 540 }] }],
      },
    ]);
    expect(again?.result).toMatchObject({ code: 0, value: [{ node_id: node.nodeId, max_wait_time: 540 }] });
    expect(third.child.exitCode).toBeNull();
    expect(await third.stop()).toBe(0);

    const story = (await readHistory(join(dir, 'state'), node.nodeId)).filter((r) => r.kind === 'command');
    expect(story.filter((r) => r.detail.endsWith('run started'))).toHaveLength(2);
  }, 120_000);
});
