import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readHistory } from '../../src/store/history.js';
import { type LogLine, launchAgentProcess } from '../helpers/agent-process.js';
import { killMatching } from '../helpers/local-processes.js';
import { type SshTestNodes, startSshNodes } from '../helpers/sshd.js';
import { callWithPython } from '../helpers/xmlrpc-python.js';

const runId = randomBytes(4).toString('hex');
/** Nodes draining together; the path is the same for 2,000 (CRASH_SEARCH_NODES raises it). */
const COUNT = Number(process.env.CRASH_SEARCH_NODES ?? 12);
const ids = Array.from({ length: COUNT }, (_, i) => `pc-${String(i).padStart(4, '0')}`);
const CULPRIT = ids[Math.floor(COUNT / 2) - 1]!;
const LIMIT = 2;
/** Starts at most: one death per halving of the suspects, LIMIT deaths charged to the culprit, margin. */
const MAX_STARTS = Math.ceil(Math.log2(COUNT)) + LIMIT + 6;

/**
 * One step kills the agent whenever it runs, on one node of many that drain together. The agent
 * restarts (as systemd would) and searches: half of the suspects resume, the others wait; each
 * death names fewer; only a death with the culprit alone is charged. The culprit fails after
 * `stepCrashLimit` charged deaths and is held, even under `onFailure: release`; every node that ran
 * beside it is resumed, verified and released.
 */
describe('the crash search through the built agent', () => {
  let ssh: SshTestNodes;
  let dir: string;

  beforeAll(async () => {
    ssh = await startSshNodes(1);
    dir = await mkdtemp(join(tmpdir(), 'dynslice-crashsearch-'));
  });
  afterAll(async () => {
    killMatching(`dynslice-crashsearch-${runId}`);
    await ssh?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('fails only the step that keeps killing the agent; the nodes beside it drain and are released', async () => {
    const node = ssh.nodes[0]!;
    const configFile = join(dir, 'agent.yaml');
    // Read from a file, so the step's own shell does not carry the pattern it kills.
    await writeFile(join(dir, 'kill-pattern'), configFile);
    const config = {
      endpoint: { listen: '127.0.0.1:0' },
      ssh: { user: node.user, privateKeyPath: ssh.privateKeyPath, knownHostsPath: ssh.knownHostsPath },
      nodes: ids.map((id) => ({ node_id: id, client_id: `c-${id}`, host: node.host, port: node.port })),
      drain: {
        graceful: [
          {
            name: 'work',
            action: 'command',
            run:
              `if [ "$DYNSLICE_NODE_ID" = ${CULPRIT} ]; then echo run >> ${dir}/culprit-runs; ` +
              `pkill -KILL -f -- "$(cat ${dir}/kill-pattern)"; exit 1; fi; ` +
              `sleep 1.5 # dynslice-crashsearch-${runId}\ntouch ${dir}/done-$DYNSLICE_NODE_ID`,
            verify: `test -f ${dir}/done-$DYNSLICE_NODE_ID`,
            timeoutSeconds: 30,
          },
        ],
        stepCrashLimit: LIMIT,
        onFailure: 'release',
      },
      state: { dir: join(dir, 'state') },
    };
    const countdown = (wait: number) => [
      {
        method: 'NotifyDeletePending',
        params: [{ nodelist: ids.map((id) => ({ node_id: id, client_id: `c-${id}`, max_wait_time: wait })) }],
      },
    ];

    let starts = 0;
    let lines: LogLine[] = [];
    let survivor: Awaited<ReturnType<typeof launchAgentProcess>> | undefined;
    const states = new Map<string, string>();
    while (starts < MAX_STARTS) {
      starts += 1;
      const started = await launchAgentProcess(dir, config);
      if (!('agent' in started)) continue; // died while resuming, before it listened
      const { agent } = started;
      if (starts === 1) await callWithPython(agent.url, countdown(3_600));
      // Serves on once the culprit is held and every other node drained; else dies again.
      const settled = await new Promise<boolean>((resolve) => {
        const timer = setInterval(() => {
          for (const line of agent.lines)
            if (line.msg === 'node state changed') states.set(String(line.nodeId), String(line.to));
          const done = ids.every((id) => states.get(id) === (id === CULPRIT ? 'held' : 'drained'));
          if (done || agent.child.exitCode !== null || agent.child.signalCode !== null) {
            clearInterval(timer);
            resolve(done);
          }
        }, 100);
        setTimeout(() => {
          clearInterval(timer);
          resolve(false);
        }, 60_000);
      });
      lines = lines.concat(agent.lines);
      if (settled) {
        survivor = started;
        break;
      }
      if (agent.child.signalCode !== 'SIGKILL') await agent.kill();
      expect(agent.child.signalCode).toBe('SIGKILL');
    }
    expect(survivor && 'agent' in survivor).toBe(true);
    if (!survivor || !('agent' in survivor)) return;
    const { agent } = survivor;

    // The culprit is held (not released under onFailure: release), every other node released.
    const [reply] = await callWithPython(agent.url, countdown(3_000));
    const answer = reply?.result as { code: number; value: Array<{ node_id: string; max_wait_time: number }> };
    expect(answer.code).toBe(0);
    for (const entry of answer.value) expect(entry.max_wait_time).toBe(entry.node_id === CULPRIT ? 3_000 : 0);
    const held = lines.find((l) => l.msg === 'node state changed' && l.nodeId === CULPRIT && l.to === 'held');
    expect(String(held?.failure)).toMatch(/^work: agent-crashed-during-step/);
    // The search was logged; the culprit ran once per death: the first, one per halving, LIMIT alone.
    expect(lines.some((l) => String(l.msg).startsWith('crash search: the agent died'))).toBe(true);
    const culpritRuns = (await readFile(join(dir, 'culprit-runs'), 'utf8')).trim().split('\n').length;
    expect(culpritRuns).toBe(starts - 1);
    expect(starts).toBeLessThanOrEqual(Math.ceil(Math.log2(COUNT)) + LIMIT + 1);
    expect(await agent.stop()).toBe(0);

    // Every other node's drain ended verified: its last node row is `drained`, never held or forced.
    const rows = await readHistory(join(dir, 'state'));
    for (const id of ids.filter((id) => id !== CULPRIT)) {
      const last = rows.filter((r) => r.kind === 'node' && r.node === id).at(-1);
      expect(last?.state, id).toBe('drained');
    }
    console.info(`crash search: ${COUNT} nodes, ${starts} starts, culprit ran ${culpritRuns} times`);
  }, 600_000);
});
