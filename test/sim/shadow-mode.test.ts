import { afterEach, describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/sim/scenario.js';
import { ShadowHandlers } from '../../src/slice/shadow-handlers.js';
import { DryRunSshRunner } from '../../src/ssh/dry-run-runner.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { rehearse } from './rehearsal-fixture.js';

describe('shadow mode against the simulator', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => close?.());

  it('never releases a node early, executes nothing, and records when each would have been released', async () => {
    const log = captureLogger('info');
    const runner = new DryRunSshRunner(log.logger);
    let shadow: ShadowHandlers | undefined;
    const world = await rehearse({
      nodes: 3,
      runner,
      wrapHandlers: (slice) => (shadow = new ShadowHandlers(slice, { logger: log.logger, now: Date.now })),
    });
    close = world.close;
    const record = await world.rehearsal.run(
      parseScenario({ name: 'shadow', interval: 0.3, waitTime: 2, otherNodes: 0 }, 'test'),
    );

    expect(record.nodes.map((n) => [n.nodeId, n.end])).toEqual([
      ['pc3', 'deadline'],
      ['pc2', 'deadline'],
      ['pc1', 'deadline'],
    ]);
    for (const event of record.events) if (event.type === 'countdown') expect(event.released).toEqual([]);
    const summary = shadow!.summary();
    expect(summary.wouldRelease).toBe(3);
    expect(summary.nodes.map((n) => [n.nodeId, n.wouldReleaseAt?.countdown, n.wouldReleaseAt?.maxWaitTime])).toEqual([
      ['pc3', 2, 2],
      ['pc2', 2, 2],
      ['pc1', 2, 2],
    ]);
    expect(summary.nodes.every((n) => n.deletedAt !== null)).toBe(true);
    // The plan "ran" through the dry-run runner only.
    expect(new Set(runner.calls.map((c) => c.target.nodeId))).toEqual(new Set(['pc1', 'pc2', 'pc3']));
    expect(log.lines.filter((l) => l.msg === 'shadow: node would have been released')).toHaveLength(3);
  });
});
