import { describe, expect, it } from 'vitest';
import type { AnyStateMachine } from 'xstate';
import { type DirectedGraphNode, toDirectedGraph } from 'xstate/graph';
import { drainMachine } from '../../machines/drain.machine.js';
import { nodeMachine } from '../../machines/node.machine.js';
import { sshConnectionMachine } from '../../machines/ssh-connection.machine.js';
import { renderDiagram } from '../../src/observe/diagram/machines.js';
import { mermaidId } from '../../src/observe/diagram/mermaid.js';

interface DefinedTransition {
  source: string;
  target: string | null;
  eventType: string;
}

/** States and transitions straight from the definition: xstate's graph plus the eventless ones. */
function definition(machine: AnyStateMachine) {
  const states: { path: string; type: string }[] = [];
  const transitions: DefinedTransition[] = [];
  const visit = (graph: DirectedGraphNode): void => {
    const node = graph.stateNode;
    if (node.path.length > 0) states.push({ path: node.path.join('.'), type: node.type });
    for (const t of [...node.transitions.values()].flat().concat(node.always ?? [])) {
      for (const target of t.target?.length ? t.target : [null]) {
        transitions.push({
          source: node.path.join('.'),
          target: target?.path.join('.') ?? null,
          eventType: t.eventType,
        });
      }
    }
    graph.children.forEach(visit);
  };
  visit(toDirectedGraph(machine));
  return { states, transitions };
}

/** `a --> b : label<br/>label` lines as a map from arrow to its labels. */
function arrows(mermaid: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const match of mermaid.matchAll(/^\s*(\S+) --> (\S+) : (.*)$/gm))
    found.set(`${match[1]} --> ${match[2]}`, match[3]!.split('<br/>'));
  return found;
}

describe.each([
  ['node', nodeMachine],
  ['drain', drainMachine],
  ['connection', sshConnectionMachine],
] as const)('the %s machine diagram', (name, machine) => {
  const { states, transitions } = definition(machine);
  const mermaid = renderDiagram(name, 'mermaid');

  it('declares every state of the chart, with initial and final markers', () => {
    expect(states.length).toBeGreaterThan(3);
    for (const state of states) {
      expect(mermaid).toMatch(new RegExp(`state "${state.path.split('.').at(-1)}" as ${mermaidId(state.path)}\\b`));
      if (state.type === 'final') expect(mermaid).toContain(`${mermaidId(state.path)} --> [*]`);
    }
    expect(mermaid).toMatch(/^\s*\[\*\] --> \S+$/m);
  });

  it('draws every transition of the chart between the right states, each with its own label', () => {
    const drawn = arrows(mermaid);
    const isLeaf = (path: string) => !states.some((s) => s.path.startsWith(`${path}.`));
    const pairs = new Map<string, DefinedTransition[]>();
    for (const t of transitions) {
      if (t.source === '') {
        expect(mermaid).toContain(`in any state: ${t.eventType}`);
      } else if (t.target === null && isLeaf(t.source)) {
        expect(mermaid).toMatch(new RegExp(`^\\s*${mermaidId(t.source)} : on ${t.eventType}`, 'm'));
      } else {
        const key = `${mermaidId(t.source)} --> ${mermaidId(t.target ?? t.source)}`;
        pairs.set(key, [...(pairs.get(key) ?? []), t]);
      }
    }
    expect(new Set(drawn.keys())).toEqual(new Set(pairs.keys()));
    for (const [arrow, defined] of pairs) {
      const labels = drawn.get(arrow)!;
      expect(labels).toHaveLength(defined.length);
      defined.forEach((t, i) => {
        if (t.eventType === '') expect(labels[i]).toMatch(/^always\b/);
        else if (!t.eventType.startsWith('xstate.')) expect(labels[i]).toMatch(new RegExp(`^${t.eventType}\\b`));
      });
    }
  });

  it('relabels xstate’s internal event names', () => {
    expect(mermaid).not.toContain('xstate.');
    expect(renderDiagram(name, 'dot')).not.toContain('xstate.');
  });

  it('gives DOT a node or cluster for every state and an edge for every drawn transition', () => {
    const dot = renderDiagram(name, 'dot');
    expect(dot).toMatch(/^digraph "\w+" \{/);
    for (const state of states) expect(dot).toMatch(new RegExp(`"(cluster_)?${state.path.replace(/\./g, '\\.')}"`));
    const edges = dot.split('\n').filter((l) => / -> /.test(l) && !l.includes('[*]'));
    expect(edges).toHaveLength(transitions.filter((t) => t.source !== '').length);
  });

  it('exports the same states and transitions as JSON', () => {
    const model = JSON.parse(renderDiagram(name, 'json')) as {
      states: { path: string }[];
      transitions: DefinedTransition[];
    };
    expect(model.states.map((s) => s.path)).toEqual(states.map((s) => s.path));
    expect(model.transitions.map(({ source, target, eventType }) => ({ source, target, eventType }))).toEqual(
      transitions,
    );
  });
});

describe('readable labels', () => {
  const node = renderDiagram('node', 'mermaid');

  it('names the drain actor’s outcomes and the deadline timer the way operators read them', () => {
    expect(node).toMatch(/^\s*draining --> drained : done: drain\b/m);
    expect(node).toMatch(/ : (.*<br\/>)?error: drain\b/);
    expect(node).toMatch(/^\s*draining_countdown --> forced : (.*<br\/>)?after: untilDeadline\b/m);
  });
});
