import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import Deserializer from 'xmlrpc/lib/deserializer.js';
import { formatHistory, readHistory } from '../../src/store/history.js';
import { type AgentProcess, startAgentProcess } from '../helpers/agent-process.js';
import { Prng } from '../helpers/prng.js';
import { type SshTestNodes, startSshNodes } from '../helpers/sshd.js';
import { perlMethodCall } from '../helpers/xmlrpc-perl-style.js';
import { postXml } from '../helpers/xmlrpc-raw-http.js';

const RUNS = Number(process.env.DYNSLICE_CRASH_RUNS ?? 10);
const NODES = 20;

interface Entry {
  node_id: string;
  max_wait_time: number;
}

type Reply = { code: number; value: Entry[] | number };
type ResponseDecoder = { deserializeMethodResponse(s: Readable, done: (error: unknown, value: unknown) => void): void };

/** The cluster's way: a Perl-style call over HTTP/1.0; the reply read by the xmlrpc package's codec. */
async function call(url: string, method: string, nodelist: Entry[]): Promise<Reply> {
  const { port } = new URL(url);
  const reply = await postXml(Number(port), perlMethodCall(method, [{ nodelist: nodelist as never }]));
  if (reply.status !== 200) throw new Error(`HTTP ${reply.status}`);
  return new Promise((resolve, reject) => {
    (new Deserializer() as unknown as ResponseDecoder).deserializeMethodResponse(
      Readable.from([reply.body]),
      (error, value) => (error ? reject(error as Error) : resolve(value as Reply)),
    );
  });
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the journal says of one node (its states, and the agent's starts), for a failure message. */
async function nodeStory(stateDir: string, nodeId: string): Promise<string> {
  const starts = (await readHistory(stateDir)).filter((r) => r.kind === 'start');
  return formatHistory(
    [...starts, ...(await readHistory(stateDir, nodeId))].sort((a, b) => a.seq - b.seq),
    'text',
  );
}

describe(`crash campaign: kill -9 at random moments, ${RUNS} seeds`, () => {
  let ssh: SshTestNodes;
  let scratch: string;

  beforeAll(async () => {
    ssh = await startSshNodes(2);
    scratch = await mkdtemp(join(tmpdir(), 'dynslice-crash-'));
  });
  afterAll(async () => {
    await ssh?.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  it.each(Array.from({ length: RUNS }, (_, i) => 1000 + i))(
    'seed %i: every node ends deleted, released for good once released, never before its verify',
    async (seed) => {
      const prng = new Prng(seed);
      const random = () => prng.next();
      const dir = join(scratch, `seed-${seed}`);
      const marks = join(dir, 'marks');
      const nodeIds = Array.from({ length: NODES }, (_, i) => `pc${String(i + 1).padStart(3, '0')}`);
      const config = {
        endpoint: { listen: '127.0.0.1:0' },
        ssh: { user: ssh.nodes[0]!.user, privateKeyPath: ssh.privateKeyPath, knownHostsPath: ssh.knownHostsPath },
        nodes: nodeIds.map((node_id, i) => ({ node_id, host: '127.0.0.1', port: ssh.nodes[i % 2]!.port })),
        drain: {
          steps: [
            {
              name: 'mark',
              // Idempotent and slow enough for a crash to land in the middle of it.
              run: `mkdir -p ${marks} && echo run >> ${marks}/$DYNSLICE_NODE_ID.runs && sleep 0.$((RANDOM % 8 + 1)) && touch ${marks}/$DYNSLICE_NODE_ID.done`,
              verify: `test -f ${marks}/$DYNSLICE_NODE_ID.done`,
              verifyAttempts: 3,
              verifyIntervalSeconds: 0.2,
            },
          ],
          // The campaign kills the agent at random moments, not because of a step: a node whose step
          // happens to run at several of those kills must still drain, not fail as a crash-loop suspect.
          stepCrashLimit: 100,
        },
        state: { dir: join(dir, 'state') },
        log: { level: 'info' },
      };
      let agent: AgentProcess = await startAgentProcess(await mkdtemp(join(scratch, 'cfg-')), config);
      // However the test ends, the agent it runs now does not outlive it.
      onTestFinished(() => agent.kill());
      const restart = async () => {
        await agent.kill();
        agent = await startAgentProcess(await mkdtemp(join(scratch, 'cfg-')), config);
      };

      const released = new Map<string, number>();
      const killTicks = new Set(Array.from({ length: 3 }, () => Math.floor(random() * 12)));
      let crashes = 0;
      const giveUp = Date.now() + 90_000;
      // A countdown in real seconds, as the cluster's: however slow a loaded machine makes the ticks,
      // the deadline (past giveUp) is never reached, so every release must come from a verified drain.
      const deadline = Date.now() + 150_000;
      const lastKill = Math.max(...killTicks);
      // Until every node is released and every planned kill has happened: a fast machine releases
      // every node before the last kill, and a kill then must not change any reply.
      for (let tick = 0; Date.now() < giveUp && (released.size < NODES || tick <= lastKill); tick += 1) {
        const maxWait = Math.ceil((deadline - Date.now()) / 1000);
        const nodelist = nodeIds.map((node_id) => ({ node_id, max_wait_time: maxWait }));
        const kill = killTicks.has(tick) ? (['before', 'during', 'after'] as const)[Math.floor(random() * 3)] : null;
        if (kill === 'before') await restart();
        // Caught at once: a crash during the call is an expected outcome, not an unhandled error.
        const reply = call(agent.url, 'NotifyDeletePending', nodelist).catch(() => null);
        if (kill === 'during') {
          await sleep(random() * 20);
          await restart();
        }
        const answer = await reply;
        if (kill) crashes += 1;
        if (answer) {
          expect(answer.code).toBe(0);
          for (const entry of answer.value as Entry[]) {
            // Released stays released, across restarts too.
            if (released.has(entry.node_id)) {
              expect(
                entry.max_wait_time,
                `${entry.node_id} released at tick ${released.get(entry.node_id)}, kept at ${tick}`,
              ).toBe(0);
              continue;
            }
            if (entry.max_wait_time !== 0) continue;
            // Released only once its verify passed: the mark the verify checks is there.
            if (!existsSync(join(marks, `${entry.node_id}.done`))) {
              throw new Error(
                `${entry.node_id} released at tick ${tick} before its verify could pass\n${await nodeStory(config.state.dir, entry.node_id)}`,
              );
            }
            released.set(entry.node_id, tick);
          }
        }
        if (kill === 'after') await restart();
        await sleep(150 + random() * 200);
      }
      expect(crashes).toBe(killTicks.size);
      if (released.size < NODES) {
        const stuck = nodeIds.filter((id) => !released.has(id));
        throw new Error(
          `not released: ${stuck.join(' ')}\n${(await Promise.all(stuck.map((id) => nodeStory(config.state.dir, id)))).join('\n')}`,
        );
      }
      const complete = await call(
        agent.url,
        'NotifyDeleteComplete',
        nodeIds.map((node_id) => ({ node_id, max_wait_time: 0 })),
      );
      expect(complete.code).toBe(0);
      expect(await agent.stop()).toBe(0);

      const history = await readHistory(config.state.dir);
      const finalState = new Map<string, string>();
      for (const row of history) if (row.kind === 'node') finalState.set(row.node, row.state);
      expect(nodeIds.filter((id) => finalState.get(id) !== 'deleted')).toEqual([]);
      expect(history.filter((r) => r.kind === 'node' && r.detail.includes('work lost'))).toEqual([]);
    },
    180_000,
  );
});
