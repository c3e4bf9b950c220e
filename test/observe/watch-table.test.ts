import { describe, expect, it } from 'vitest';
import { stateHasTag } from '../../machines/node.tags.js';
import type { NodeView } from '../../src/observe/node-view.js';
import { statusTable } from '../../src/observe/status-table.js';
import { countdownBar, watchFrame } from '../../src/observe/watch-table.js';

const NOW = 1_800_000_000_000;
const view = (nodeId: string, extra: Partial<NodeView> = {}): NodeView =>
  withFacts({
    nodeId,
    incarnation: 1,
    clientId: null,
    host: 'h',
    state: 'allocated',
    subState: 'idle',
    stateName: 'allocated.idle',
    value: null,
    revokedAt: null,
    deadline: null,
    secondsLeft: null,
    maxWaitTime: null,
    step: null,
    eta: null,
    etaBasis: null,
    released: false,
    releasedAt: null,
    failure: null,
    forcedReason: null,
    workLost: false,
    deletedAt: null,
    drainRunning: false,
    unverified: false,
    gone: false,
    ...extra,
  });
/** The chart's facts of the view's state, as the status API ships them. */
const withFacts = (node: NodeView): NodeView => ({
  ...node,
  drainRunning: stateHasTag(node.stateName, 'drainRunning'),
  unverified: stateHasTag(node.stateName, 'unverified'),
  gone: stateHasTag(node.stateName, 'gone'),
});
const revoked = { revokedAt: NOW - 60_000, deadline: NOW + 60_000 };

describe('status --watch frames', () => {
  it('draws the time left as a bar, and a released node by how early it went', () => {
    expect(countdownBar(view('a', { ...revoked, state: 'draining', stateName: 'draining.countdown' }), NOW)).toBe(
      '[##########..........] 1m00s left',
    );
    expect(
      countdownBar(
        view('b', { ...revoked, state: 'drained', stateName: 'drained', released: true, releasedAt: NOW - 30_000 }),
        NOW + 20_000,
      ),
    ).toBe('[....................] released 1m30s early');
    expect(countdownBar(view('c'), NOW)).toBe('not revoked');
  });

  it('colours at-risk rows red and released rows green on a terminal only', () => {
    const nodes = [
      view('ok', { ...revoked, state: 'drained', stateName: 'drained', released: true, releasedAt: NOW - 30_000 }),
      view('held', { ...revoked, state: 'held', stateName: 'held', failure: 'verify did not pass\nmore' }),
    ];
    const plain = watchFrame(nodes, NOW, false);
    expect(plain).not.toContain('\x1b');
    expect(plain.split('\n')[0]).toBe('2 nodes · 1 released (1 early, 90 node-seconds back) · 1 at risk · 0 work lost');
    expect(plain.split('\n')[3]).toMatch(/^held\s+held\s+.*verify did not pass$/);
    const coloured = watchFrame(nodes, NOW, true).split('\n');
    expect(coloured[3]).toMatch(/^\x1b\[1;31mheld .*\x1b\[0m$/);
    expect(coloured[4]).toMatch(/^\x1b\[32mok .*\x1b\[0m$/);
  });
});

describe('status (the table, once)', () => {
  it('orders the nodes as --watch does: most at risk first, nodes not revoked last', () => {
    const nodes = [
      view('idle'),
      view('drained', { ...revoked, state: 'drained', stateName: 'drained', released: true }),
      view('held', { ...revoked, state: 'held', stateName: 'held', failure: 'verify did not pass' }),
    ];
    const order = statusTable(nodes, NOW)
      .split('\n')
      .slice(1, 4)
      .map((line) => line.split(/\s+/)[0]);
    expect(order).toEqual(['held', 'drained', 'idle']);
  });
});
