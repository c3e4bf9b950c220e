import { describe, expect, it } from 'vitest';
import type { AnyStateNode } from 'xstate';
import { nodeMachine } from '../../machines/node.machine.js';
import { RESTORABLE_STATES, statesTagged } from '../../machines/node.tags.js';
import { FRESH_NODE_STATE } from '../../machines/node.types.js';

/** Every leaf state of the chart, and whether it is transient (it only passes through: `always`). */
function leaves(): { path: string; transient: boolean }[] {
  const found: { path: string; transient: boolean }[] = [];
  const visit = (node: AnyStateNode): void => {
    const children = Object.values(node.states);
    if (node.path.length > 0 && children.length === 0)
      found.push({ path: node.path.join('.'), transient: (node.always ?? []).length > 0 });
    children.forEach(visit);
  };
  visit(nodeMachine.root);
  return found;
}

describe('the node chart’s tags', () => {
  it('every state a node can rest in is restorable; the transient ones are not', () => {
    const all = leaves();
    expect([...RESTORABLE_STATES].sort()).toEqual(
      all
        .filter((s) => !s.transient)
        .map((s) => s.path)
        .sort(),
    );
    expect(RESTORABLE_STATES).toContain(FRESH_NODE_STATE);
  });

  it('booting has one transition to each restorable state but the fresh one, which is its default', () => {
    const booting = nodeMachine.root.states.booting!;
    const targets = (booting.always ?? []).map((t) => t.target?.map((n) => n.path.join('.'))[0]);
    expect(targets.slice(0, -1).sort()).toEqual(RESTORABLE_STATES.filter((s) => s !== FRESH_NODE_STATE).sort());
    expect(targets.at(-1)).toBe(FRESH_NODE_STATE.split('.')[0]);
  });

  it('released states are those the cluster may take; countdowns change nothing once drained, forced or deleted', () => {
    expect(statesTagged('released').sort()).toEqual(['drained', 'draining.bestEffort', 'forced']);
    expect(statesTagged('ignoresCountdown').sort()).toEqual(['deleted', 'drained', 'forced']);
  });
});
