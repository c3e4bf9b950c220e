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
    expect(steps.suspects('pc1', 1, 3)).toEqual([{ rung: 'graceful', stepIndex: 0 }]);
    expect(steps.suspects('pc1', 1, 4)).toEqual([]);
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
});
