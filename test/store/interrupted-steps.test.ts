import { describe, expect, it } from 'vitest';
import { InterruptedSteps } from '../../src/store/interrupted-steps.js';
import type { CommandRecord, JournalRecord } from '../../src/store/records.js';

let seq = 0;
const start = (): JournalRecord => ({ seq: ++seq, t: 0, kind: 'start', pid: 1, recovered: 0 });
const stop = (): JournalRecord => ({ seq: ++seq, t: 0, kind: 'stop' });
const command = (nodeId: string, state: CommandRecord['state'], stepIndex = 0, incarnation = 1): JournalRecord => ({
  seq: ++seq,
  t: 0,
  kind: 'command',
  nodeId,
  incarnation,
  rung: 'graceful',
  stepIndex,
  step: 'flood',
  phase: 'run',
  state,
});
const read = (records: JournalRecord[]) => {
  const steps = new InterruptedSteps();
  for (const record of records) steps.read(record);
  return steps.finish();
};

describe('the drain steps the agent died in, read from the journal', () => {
  it('counts a step started and never finished in every run that ended without a stop record', () => {
    const steps = read([
      start(),
      command('pc1', 'started'),
      command('pc2', 'started'),
      command('pc2', 'finished'),
      start(),
      command('pc1', 'started'),
      start(),
      command('pc1', 'started'),
    ]);
    expect(steps.count({ nodeId: 'pc1', incarnation: 1, rung: 'graceful', stepIndex: 0 })).toBe(3);
    expect(steps.count({ nodeId: 'pc2', incarnation: 1, rung: 'graceful', stepIndex: 0 })).toBe(0);
    expect(steps.culprits('pc1', 1, 3)).toEqual([{ rung: 'graceful', stepIndex: 0 }]);
    expect(steps.culprits('pc1', 1, 4)).toEqual([]);
  });

  it('does not count a clean stop, another step, or another incarnation', () => {
    const steps = read([
      start(),
      command('pc1', 'started'),
      stop(),
      start(),
      command('pc1', 'started', 1),
      start(),
      command('pc1', 'started', 0, 2),
    ]);
    expect(steps.count({ nodeId: 'pc1', incarnation: 1, rung: 'graceful', stepIndex: 0 })).toBe(0);
    expect(steps.count({ nodeId: 'pc1', incarnation: 1, rung: 'graceful', stepIndex: 1 })).toBe(1);
    expect(steps.count({ nodeId: 'pc1', incarnation: 2, rung: 'graceful', stepIndex: 0 })).toBe(1);
  });

  it('narrows the suspects to those running at each later crash, and charges only a lone suspect', () => {
    const steps = read([
      start(),
      command('pc1', 'started'),
      command('pc2', 'started'),
      command('pc3', 'started'),
      start(),
      command('pc1', 'started'),
      command('pc2', 'started'),
      start(),
      command('pc2', 'started'),
    ]);
    expect([...steps.suspects]).toEqual(['pc2#1:graceful:0']);
    const key = (nodeId: string) => ({ nodeId, incarnation: 1, rung: 'graceful' as const, stepIndex: 0 });
    expect(['pc1', 'pc2', 'pc3'].map((id) => steps.count(key(id)))).toEqual([0, 1, 0]);
  });

  it('suspects the steps of a crash that none of the earlier suspects ran in', () => {
    const steps = read([
      start(),
      command('pc1', 'started'),
      command('pc2', 'started'),
      start(),
      command('pc3', 'started'),
    ]);
    expect([...steps.suspects]).toEqual(['pc3#1:graceful:0']);
    expect(steps.count('pc3#1:graceful:0')).toBe(1);
  });

  it('clears a suspect once its node runs another step, leaves the drain states or the slice', () => {
    const steps = new InterruptedSteps();
    for (const record of [start(), command('pc1', 'started'), command('pc2', 'started'), command('pc3', 'started')])
      steps.read(record);
    steps.finish();
    expect(steps.suspects.size).toBe(3);
    steps.read(command('pc1', 'started', 1));
    steps.read(command('pc1', 'started', 0, 2));
    const node = (nodeId: string, state: string) =>
      ({ seq: ++seq, t: 0, kind: 'node', nodeId, state, clientId: null, memory: {} }) as unknown as JournalRecord;
    steps.read(node('pc2', 'draining.countdown'));
    expect([...steps.suspects].sort()).toEqual(['pc2#1:graceful:0', 'pc3#1:graceful:0']);
    steps.read(node('pc2', 'drained'));
    steps.read({ seq: ++seq, t: 0, kind: 'life', nodeId: 'pc3', life: 'left' } as unknown as JournalRecord);
    expect([...steps.suspects]).toEqual([]);
  });

  it('keeps the suspects in the snapshot state, and says which charged step killed the agent while probed', () => {
    const steps = read([
      start(),
      command('pc1', 'started'),
      command('pc2', 'started'),
      start(),
      command('pc1', 'started'),
    ]);
    const again = InterruptedSteps.from(JSON.parse(JSON.stringify(steps.state())));
    expect([...again.suspects]).toEqual(['pc1#1:graceful:0']);
    const more = read([start(), command('x:y#2', 'started'), start(), command('x:y#2', 'started')]);
    expect(more.culprits('x:y#2', 1, 1)).toEqual([{ rung: 'graceful', stepIndex: 0, probe: false }]);
    expect(more.culprits('x:y#2', 1, 2)).toEqual([{ rung: 'graceful', stepIndex: 0 }]);
  });
});
