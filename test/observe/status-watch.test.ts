import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATUS_TOKEN_ENV } from '../../src/cli/status-request.js';
import { type AgentProcess, startAgentProcess } from '../helpers/agent-process.js';
import { type CliRun, startCli } from '../helpers/cli-process.js';
import { type SshTestNodes, startSshNodes } from '../helpers/sshd.js';
import { callWithPython } from '../helpers/xmlrpc-python.js';

const token = 'watch-status-token-0123456789abcdef';

/** The frames a piped `status --watch` printed so far: each starts with the summary line. */
const framesOf = (stdout: string) =>
  stdout
    .split(/\n\n(?=\d+ nodes · )/)
    .map((f) => f.trim())
    .filter((f) => f.length > 0);
const rowsOf = (frame: string) =>
  frame
    .split('\n')
    .slice(3)
    .map((line) => line.split(/\s{2,}/));

describe('status --watch against a running agent, piped', () => {
  let scratch: string;
  let ssh: SshTestNodes;
  let agent: AgentProcess;
  let watch: CliRun;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'dynslice-watch-'));
    ssh = await startSshNodes(3);
    const [first] = ssh.nodes;
    agent = await startAgentProcess(scratch, {
      endpoint: { listen: '127.0.0.1:0' },
      ssh: {
        user: first!.user,
        privateKeyPath: ssh.privateKeyPath,
        knownHostsPath: ssh.knownHostsPath,
        hostKeyChecking: 'yes',
      },
      nodes: ssh.nodes.map((n) => ({ node_id: n.nodeId, client_id: n.clientId, host: n.host, port: n.port })),
      // pc002's verify never passes: it is held, at risk, until its deadline.
      drain: {
        steps: [
          {
            name: 'stop-jobs',
            run: 'true',
            verify: '[ "$DYNSLICE_NODE_ID" != pc002 ]',
            timeoutSeconds: 20,
            verifyAttempts: 2,
            verifyIntervalSeconds: 0.2,
          },
        ],
      },
      status: { listen: '127.0.0.1:0', token },
      state: { dir: join(scratch, 'state') },
    });
    const statusUrl = String((await agent.waitFor((l) => l.msg === 'status server listening')).url);
    process.env[STATUS_TOKEN_ENV] = token;
    watch = startCli(['status', '--watch', '--url', statusUrl]);
    delete process.env[STATUS_TOKEN_ENV];
  });

  afterAll(async () => {
    watch?.child.kill('SIGKILL');
    await agent?.stop();
    await ssh?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('prints the table from the event stream, then a new frame for each change, most at risk first, in plain text', async () => {
    await watch.waitFor(/^3 nodes · 0 released/m, 20_000);
    const firstFrame = framesOf(watch.stdout())[0]!;
    expect(firstFrame.split('\n')[2]).toMatch(/^NODE\s+STATE\s+COUNTDOWN\s+STEP\s+ETA\s+FAILURE$/);
    expect(rowsOf(firstFrame).map((r) => [r[0], r[2]])).toEqual([
      ['pc001', 'not revoked'],
      ['pc002', 'not revoked'],
      ['pc003', 'not revoked'],
    ]);

    const nodelist = ssh.nodes
      .slice(0, 2)
      .map((n) => ({ node_id: n.nodeId, client_id: n.clientId, max_wait_time: 300 }));
    const [reply] = await callWithPython(agent.url, [{ method: 'NotifyDeletePending', params: [{ nodelist }] }]);
    expect(reply?.fault).toBeUndefined();

    // No polling: the frames follow the agent's own events.
    await watch.waitFor(/^3 nodes · 1 released \(1 early, \d+ node-seconds back\) · 1 at risk · 0 work lost$/m, 30_000);
    const frames = framesOf(watch.stdout());
    const last = frames.at(-1)!;
    expect(last).toMatch(/^3 nodes · 1 released/);
    const rows = rowsOf(last);
    expect(rows.map((r) => [r[0], r[1]])).toEqual([
      ['pc002', 'held'],
      ['pc001', 'drained'],
      ['pc003', 'allocated.idle'],
    ]);
    expect(rows[0]![2]).toMatch(/^\[#{17,20}\.{0,3}\] [45]m\d\ds left$/);
    expect(rows[0]![5]).toMatch(/verify did not pass/);
    expect(rows[1]![2]).toMatch(/^\[\.{20}\] released [45]m\d\ds early$/);
    expect(frames.length).toBeGreaterThan(2);
    expect(watch.stdout()).not.toContain('\x1b');

    watch.child.kill('SIGTERM');
    expect(await watch.exited).toBe(0);
  });
});
