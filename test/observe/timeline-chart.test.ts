import { describe, expect, it } from 'vitest';
import { stateHasTag } from '../../machines/node.tags.js';
import type { NodeTag } from '../../machines/node.types.js';
import { timelineGeometry } from '../../src/observe/timeline-chart/chart-geometry.js';
import {
  byRisk,
  type ChartNode,
  chartNodeOfView,
  idleChartNode,
  stepBars,
} from '../../src/observe/timeline-chart/chart-rows.js';
import { timelineSvg } from '../../src/observe/timeline-chart/chart-svg.js';

const T0 = 1_800_000_000_000;
/** A chart node in `state`, with the chart's facts of that state (as the status API and journal give them). */
const node = (nodeId: string, extra: Partial<ChartNode> = {}): ChartNode => {
  const made = { ...idleChartNode(nodeId), state: 'draining', revokedAt: T0, deadline: T0 + 300_000, ...extra };
  const tagged = (tag: NodeTag) => stateHasTag(made.state, tag);
  return {
    ...made,
    settled: tagged('released') || tagged('gone'),
    drainRunning: tagged('drainRunning'),
    unverified: tagged('unverified'),
  };
};
const command = (
  stepIndex: number,
  phase: 'run' | 'verify',
  start: number,
  end: number | null,
  code: number | null = 0,
  rung = 'graceful',
) => ({ rung, stepIndex, step: `step${stepIndex}`, phase, start, end, code });

describe('timeline chart rows', () => {
  it('collapses every attempt of a step into one bar, graceful and force apart', () => {
    const bars = stepBars([
      command(0, 'run', T0, T0 + 1000),
      command(0, 'verify', T0 + 1000, T0 + 1100, 1),
      command(0, 'verify', T0 + 2000, T0 + 2100, 1),
      command(0, 'verify', T0 + 3000, T0 + 3100, 0),
      command(0, 'run', T0 + 4000, null, null, 'force'),
    ]);
    expect(bars.map((b) => [b.rung, b.start, b.end, b.attempts.length])).toEqual([
      ['graceful', T0, T0 + 3100, 4],
      ['force', T0 + 4000, null, 1],
    ]);
  });

  it('pairs a started command with its finish from the live timeline', () => {
    const cmd = { rung: 'graceful', stepIndex: 0, step: 'stop', phase: 'run' as const, attempt: 0, startedAt: T0 + 10 };
    const chart = chartNodeOfView({
      nodeId: 'pc1',
      state: 'drained',
      revokedAt: T0,
      deadline: T0 + 60_000,
      eta: null,
      released: true,
      releasedAt: T0 + 600,
      deletedAt: null,
      drainRunning: false,
      unverified: false,
      gone: false,
      timeline: [
        { at: T0 + 10, kind: 'step', command: cmd },
        { at: T0 + 500, kind: 'step', command: { ...cmd, finishedAt: T0 + 500, code: 0 } },
        { at: T0 + 550, kind: 'drained' },
      ],
    });
    expect(chart.steps).toEqual([
      {
        step: 'stop',
        rung: 'graceful',
        start: T0 + 10,
        end: T0 + 500,
        attempts: [{ phase: 'run', start: T0 + 10, end: T0 + 500, code: 0 }],
      },
    ]);
    expect(chart.verifiedAt).toBe(T0 + 550);
  });

  it('puts held nodes first, then the least slack; done nodes last', () => {
    const now = T0 + 10_000;
    const order = byRisk(
      [
        node('done', { state: 'drained', released: true }),
        node('roomy', { eta: T0 + 20_000 }),
        node('tight', { eta: T0 + 295_000 }),
        node('held', { state: 'held' }),
        node('idle', { state: 'allocated', revokedAt: null, deadline: null }),
      ],
      now,
    );
    expect(order.map((r) => [r.node.nodeId, r.atRisk])).toEqual([
      ['held', true],
      ['tight', true],
      ['roomy', false],
      ['done', false],
      ['idle', false],
    ]);
  });
});

describe('timeline chart geometry', () => {
  it('draws rows on one axis with a deadline marker each, and aggregates past maxRows', () => {
    const nodes = Array.from({ length: 1000 }, (_, i) =>
      node(`pc${String(i).padStart(4, '0')}`, { deadline: T0 + 60_000 + i * 100 }),
    );
    nodes[500] = node('pc-held', { state: 'held', steps: stepBars([command(0, 'verify', T0 + 1000, T0 + 2000, 1)]) });
    const g = timelineGeometry(nodes, { now: T0 + 30_000, width: 1000, maxRows: 40 });
    expect(g.rows).toHaveLength(40);
    expect(g.rows[0]!.nodeId).toBe('pc-held');
    expect(g.rows[0]!.bars).toHaveLength(1);
    expect(g.more).toEqual({ count: 960, atRisk: 0 });
    for (const row of g.rows) {
      const deadline = row.markers.find((m) => m.kind === 'deadline')!;
      expect(deadline.x).toBeGreaterThan(g.labelWidth);
      expect(deadline.x).toBeLessThanOrEqual(g.width);
    }
    expect(g.rows.map((r) => r.y)).toEqual(g.rows.map((_, i) => g.axisHeight + i * g.rowHeight));
    expect(g.nowX).toBeGreaterThan(g.labelWidth);
    expect(g.ticks.length).toBeGreaterThan(2);
    expect(g.ticks.length).toBeLessThanOrEqual(11);
    const svg = timelineSvg(g);
    expect(svg.match(/<g class="row/g)).toHaveLength(40);
    expect(svg).toContain('960 more nodes');
  });

  it('spans the axis over a very large slice without spreading it into one call', () => {
    const nodes = Array.from({ length: 100_000 }, (_, i) => node(`pc${i}`, { deadline: T0 + 60_000 + i }));
    const g = timelineGeometry(nodes, { now: T0 + 1_000 });
    expect(g.start).toBe(T0);
    expect(g.end).toBeGreaterThan(T0 + 60_000 + 99_999);
    expect(g.more.count).toBe(100_000 - 40);
  });

  it('escapes node ids and draws an empty chart for no nodes', () => {
    const g = timelineGeometry([node('<x&y>')], { now: T0 });
    expect(timelineSvg(g)).toContain('data-node-id="&lt;x&amp;y&gt;"');
    expect(timelineGeometry([], { now: T0 }).rows).toEqual([]);
  });
});
