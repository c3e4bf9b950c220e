import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadScenario, type Scenario } from '../../src/sim/scenario.js';
import type { SimEvent, SimRecord } from '../../src/sim/sim-record.js';
import { summarize, unmetExpectations } from '../../src/sim/sim-summary.js';
import { FakeSshRunner } from '../helpers/fake-ssh-runner.js';
import { quick, rehearse } from './rehearsal-fixture.js';

const SCENARIOS = join(import.meta.dirname, '../../examples/scenarios');
const scenario = async (name: string): Promise<Scenario> => quick(await loadScenario(join(SCENARIOS, `${name}.yaml`)));

type Countdown = Extract<SimEvent, { type: 'countdown' }>;
const countdowns = (record: SimRecord): Countdown[] =>
  record.events.filter((e): e is Countdown => e.type === 'countdown');
const endTicks = (record: SimRecord) =>
  Object.fromEntries(record.nodes.map((n) => [n.nodeId, `${n.end}@${n.endTick}`]));

describe('the simulator plays each example scenario against the agent over real sockets', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  async function play(name: string, nodes = 4) {
    const world = await rehearse({ nodes });
    close = world.close;
    const record = await world.rehearsal.run(await scenario(name));
    const workLost = world.rehearsal.facts.workLost();
    return { ...world, record, workLost };
  }

  it('default: two waves, newest first, every node released early after its drain verified', async () => {
    const { record, workLost, runner, rehearsal } = await play('default', 8);
    expect(unmetExpectations((await scenario('default')).expect, record, workLost)).toEqual([]);
    const values = record.events.find((e) => e.type === 'values');
    expect(
      values?.type === 'values' && values.entries.filter((e) => e.clientId !== null).map((e) => [e.nodeId, e.value]),
    ).toEqual([
      ['pc1', 1],
      ['pc2', 0.875],
      ['pc3', 0.75],
      ['pc4', 0.625],
      ['pc5', 0.5],
      ['pc6', 0.375],
      ['pc7', 0.25],
      ['pc8', 0.125],
    ]);
    // The 5 newest at call 1, the rest at call 3; each node released in the reply after its drain.
    expect(record.nodes.map((n) => [n.nodeId, n.revokedAtTick])).toEqual([
      ['pc8', 1],
      ['pc7', 1],
      ['pc6', 1],
      ['pc5', 1],
      ['pc4', 1],
      ['pc3', 3],
      ['pc2', 3],
      ['pc1', 3],
    ]);
    expect(record.nodes.every((n) => n.end === 'released' && n.endTick === n.revokedAtTick + 1)).toBe(true);
    expect(record.nodes.every((n) => n.givenBackSeconds === Math.round(6 - 0.3))).toBe(true);
    expect(record.events.filter((e) => e.type === 'deleted').map((e) => e.type === 'deleted' && e.nodes)).toEqual([
      ['pc8', 'pc7', 'pc6', 'pc5', 'pc4'],
      ['pc3', 'pc2', 'pc1'],
    ]);
    expect(rehearsal.agent.slice.list().every((n) => n.ensureStarted().getSnapshot().value === 'deleted')).toBe(true);
    expect((runner as FakeSshRunner).commands().filter((c) => c.startsWith('pkill'))).toHaveLength(8);
    expect(summarize(record)).toMatchObject({ nodes: 8, releasedEarly: 8, givenBackSeconds: 8 * 6 });
  });

  it('no-wait: nodes sent with max_wait_time 0 are released in that same reply; the others drain', async () => {
    const { record } = await play('no-wait');
    const [first] = countdowns(record);
    expect(first?.sent.map((e) => [e.nodeId, e.maxWaitTime])).toEqual([
      ['pc4', 0],
      ['pc3', 0],
    ]);
    expect(first?.call.value).toEqual([
      { node_id: 'pc4', client_id: 'node4', max_wait_time: 0 },
      { node_id: 'pc3', client_id: 'node3', max_wait_time: 0 },
    ]);
    expect(endTicks(record)).toEqual({ pc4: 'no-wait@1', pc3: 'no-wait@1', pc2: 'released@3', pc1: 'released@3' });
    expect(unmetExpectations((await scenario('no-wait')).expect, record, [])).toEqual([]);
  });

  it('missed tick: the next call comes two intervals lower and releases what drained meanwhile', async () => {
    const { record, workLost } = await play('missed-tick');
    expect(record.events.filter((e) => e.type === 'missed').map((e) => e.type === 'missed' && e.tick)).toEqual([2]);
    const ticks = countdowns(record);
    expect(ticks.map((t) => [t.tick, t.sent[0]?.maxWaitTime])).toEqual([
      [1, 6],
      [3, Math.round(6 - 2 * 0.3)],
    ]);
    expect(ticks[1]?.released.sort()).toEqual(['pc1', 'pc2', 'pc3', 'pc4']);
    expect(unmetExpectations((await scenario('missed-tick')).expect, record, workLost)).toEqual([]);
  });

  it('duplicated tick: both calls get the same answer and no drain starts twice', async () => {
    const { record, workLost, runner } = await play('duplicated-tick');
    const second = countdowns(record).filter((t) => t.tick === 2);
    expect(second.map((t) => t.repeat)).toEqual([false, true]);
    expect(second[1]?.sent).toEqual(second[0]?.sent);
    expect(second[1]?.call.value).toEqual(second[0]?.call.value);
    expect(second[0]?.released.sort()).toEqual(['pc1', 'pc2', 'pc3', 'pc4']);
    for (const node of ['pc1', 'pc2', 'pc3', 'pc4']) {
      expect((runner as FakeSshRunner).commands(node).filter((c) => c.startsWith('pkill'))).toHaveLength(1);
    }
    expect(unmetExpectations((await scenario('duplicated-tick')).expect, record, workLost)).toEqual([]);
  });

  it('reply timeout: the nodes a lost reply released are released again in the next reply', async () => {
    const { record, workLost } = await play('reply-timeout');
    const [, lost, next] = countdowns(record);
    expect(lost?.tick).toBe(2);
    expect(lost?.call.failure).toMatch(/^reply-dropped/);
    expect(lost?.released).toEqual([]);
    expect(next?.tick).toBe(3);
    expect(next?.released.sort()).toEqual(['pc1', 'pc2', 'pc3', 'pc4']);
    expect(record.nodes.every((n) => n.end === 'released' && n.endTick === 3)).toBe(true);
    expect(unmetExpectations((await scenario('reply-timeout')).expect, record, workLost)).toEqual([]);
  });

  it('waves: each wave gets its own countdown from the full wait and its own NotifyDeleteComplete', async () => {
    const { record, workLost } = await play('waves', 6);
    const firstSent = (nodeId: string) => countdowns(record).find((t) => t.sent.some((e) => e.nodeId === nodeId));
    expect(record.nodes.map((n) => [n.nodeId, n.revokedAtTick])).toEqual([
      ['pc6', 1],
      ['pc5', 1],
      ['pc4', 2],
      ['pc3', 2],
      ['pc2', 4],
      ['pc1', 4],
    ]);
    for (const node of record.nodes) {
      expect(firstSent(node.nodeId)?.tick).toBe(node.revokedAtTick);
      expect(firstSent(node.nodeId)?.sent.find((e) => e.nodeId === node.nodeId)?.maxWaitTime).toBe(6);
    }
    expect(record.events.filter((e) => e.type === 'deleted')).toHaveLength(3);
    expect(unmetExpectations((await scenario('waves')).expect, record, workLost)).toEqual([]);
  });

  it('a node whose drain never verifies is held, taken at the deadline, and reported as work lost', async () => {
    const runner = new FakeSshRunner().when((c) => c.target.nodeId === 'pc2' && c.command.startsWith('!'), { code: 1 });
    const world = await rehearse({ nodes: 2, runner });
    close = world.close;
    const record = await world.rehearsal.run(quick(await loadScenario(join(SCENARIOS, 'default.yaml')), 0.3, 1));
    // max_wait_time 1, then round(1 - 0.3) = 1, then round(1 - 0.6) = 0: the deadline, at call 3.
    expect(endTicks(record)).toEqual({ pc1: 'released@2', pc2: 'deadline@3' });
    expect(record.events.filter((e) => e.type === 'deleted').map((e) => e.type === 'deleted' && e.nodes)).toEqual([
      ['pc2', 'pc1'],
    ]);
    const workLost = world.rehearsal.facts.workLost();
    expect(workLost).toEqual(['pc2']);
    expect(unmetExpectations({ releasedEarly: 'all', workLost: 0 }, record, workLost)).toHaveLength(2);
  });
});
