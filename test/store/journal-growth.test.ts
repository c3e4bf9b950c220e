import { mkdtemp, readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { type Agent, createAgent } from '../../src/agent.js';
import { parseConfig } from '../../src/config/load-config.js';
import { stateName } from '../../src/slice/node-actor.js';
import { readHistory } from '../../src/store/history.js';
import { Store } from '../../src/store/store.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { FakeSshRunner } from '../helpers/fake-ssh-runner.js';

const NODES = Array.from({ length: 1_000 }, (_, i) => ({
  node_id: `pc${1_000 + i}`,
  client_id: `node-${i}`,
  host: `node-${i}.example.test`,
}));
const countdown = (wait: number) =>
  NODES.map((n) => ({ node_id: n.node_id, client_id: n.client_id, max_wait_time: wait }));

async function bytesOf(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir)) total += (await stat(join(dir, name))).size;
  return total;
}

/** An agent on a simulated clock with a real journal in `dir` and 1,000 nodes whose drains pass at once. */
async function start(dir: string, t: { now: number }, compactEvery?: number) {
  const clock = new SimulatedClock();
  clock.set(t.now);
  const now = () => t.now;
  const config = parseConfig(
    {
      endpoint: { listen: '127.0.0.1:0' },
      nodes: NODES,
      drain: { steps: [{ name: 'stop-jobs', run: 'true', verify: 'true' }] },
      state: { dir },
    },
    'growth',
    '/tmp',
  );
  const { logger } = captureLogger();
  const store = await Store.open({ dir, logger, now, ...(compactEvery ? { compactEvery } : {}) });
  const agent: Agent = createAgent({ config, logger, runner: new FakeSshRunner(), store, now, clock });
  agent.restore();
  return {
    agent,
    store,
    /** The countdown `minutes` after the first, a minute at a time, as the cluster sends it. */
    async countdownAt(minute: number): Promise<Set<string>> {
      t.now = START + minute * 60_000;
      clock.set(t.now);
      return agent.handlers.notifyDeletePending(countdown(3_600 - 60 * minute));
    },
    async close() {
      await agent.close();
      await store.close();
    },
  };
}

const START = 1_790_000_000_000;

async function drainedAll(agent: Agent): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    const left = NODES.filter(
      (n) => stateName(agent.slice.get(n.node_id)!.ensureStarted().getSnapshot().value) !== 'drained',
    );
    if (left.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the nodes did not drain');
}

describe('the journal of a countdown repeated for a day', () => {
  it('costs under 1 KB per repeat of a 1,000-node countdown, and history still shows every call whole', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dynslice-growth-'));
    const t = { now: START };
    const agent = await start(dir, t, 1_000_000);
    await agent.countdownAt(0);
    await drainedAll(agent.agent);
    expect((await agent.countdownAt(1)).size).toBe(1_000);
    await agent.store.flush();
    const before = await bytesOf(dir);
    for (let minute = 2; minute <= 31; minute += 1) expect((await agent.countdownAt(minute)).size).toBe(1_000);
    await agent.store.flush();
    const perRepeat = ((await bytesOf(dir)) - before) / 30;
    console.info(`journal: ${perRepeat.toFixed(0)} B per repeated 1,000-node countdown`);
    expect(perRepeat).toBeLessThan(1_024);
    await agent.close();

    const rows = await readHistory(dir);
    const calls = rows.filter((r) => r.kind === 'call');
    expect(calls).toHaveLength(32 * 1_000);
    const last = calls.filter((r) => r.seq === calls.at(-1)!.seq);
    expect(last.map((r) => r.detail)).toEqual(NODES.map(() => `max_wait_time ${3_600 - 60 * 31}`));
    expect(last.map((r) => r.node)).toEqual(NODES.map((n) => n.node_id));
    const replies = rows.filter((r) => r.kind === 'reply');
    expect(replies).toHaveLength(32);
    expect(replies.at(-1)!.detail.split(' ').slice(1).sort()).toEqual(NODES.map((n) => n.node_id).sort());
  }, 60_000);

  it('keeps a day of countdowns a minute apart under 10 MB on disk, and a restart answers as before', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dynslice-growth-'));
    const t = { now: START };
    const first = await start(dir, t);
    await first.countdownAt(0);
    await drainedAll(first.agent);
    const minutes = 24 * 60;
    for (let minute = 1; minute <= minutes; minute += 1) await first.countdownAt(minute);
    await first.close();
    const bytes = await bytesOf(dir);
    console.info(`state directory after a day of countdowns a minute apart: ${(bytes / 1e6).toFixed(2)} MB`);
    expect(bytes).toBeLessThan(10 * 1024 * 1024);

    const second = await start(dir, t);
    const released = await second.countdownAt(minutes + 1);
    expect([...released].sort()).toEqual(NODES.map((n) => n.node_id).sort());
    await second.close();
  }, 120_000);
});
