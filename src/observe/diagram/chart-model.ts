import type { AnyStateMachine, AnyTransitionDefinition } from 'xstate';
import { type DirectedGraphNode, toDirectedGraph } from 'xstate/graph';
import { guardName, transitionLabel } from './event-label.js';

type StateNodeLike = DirectedGraphNode['stateNode'];

export interface ChartState {
  /** Dotted path from the root: `draining.countdown`. */
  path: string;
  /** The state's own key: `countdown`. */
  key: string;
  /** Path of the parent state; null for a top-level state. */
  parent: string | null;
  type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  /** Path of the child entered first (compound states only). */
  initial: string | null;
  description: string | null;
  tags: string[];
}

export interface ChartTransition {
  /** Path of the state that handles the event; '' is the machine itself (any state). */
  source: string;
  /** Path of the target; null when the transition only runs actions. */
  target: string | null;
  /** xstate's raw event descriptor ('' for `always`). */
  eventType: string;
  /** Readable: `done: drain [drainVerified]`. */
  label: string;
  guard: string | null;
  reenter: boolean;
}

/** A machine's states and transitions, read from its definition (never written by hand). */
export interface ChartModel {
  id: string;
  description: string | null;
  /** Path of the top-level state entered first. */
  initial: string | null;
  states: ChartState[];
  transitions: ChartTransition[];
}

const pathOf = (node: StateNodeLike): string => node.path.join('.');

function initialOf(node: StateNodeLike): string | null {
  if (node.type !== 'compound') return null;
  const target = node.initial?.target?.[0];
  return target ? pathOf(target) : null;
}

function toTransitions(source: StateNodeLike, definitions: AnyTransitionDefinition[]): ChartTransition[] {
  const guardedEvents = new Set<string>();
  return definitions.flatMap((definition) => {
    const guard = guardName(definition.guard);
    const eventType = String(definition.eventType);
    const label = transitionLabel({
      eventType,
      sourceId: source.id,
      guard,
      isElse: guard === null && guardedEvents.has(eventType),
    });
    if (guard !== null) guardedEvents.add(eventType);
    const targets = definition.target && definition.target.length > 0 ? definition.target.map(pathOf) : [null];
    return targets.map((target) => ({
      source: pathOf(source),
      target,
      eventType,
      label,
      guard,
      reenter: definition.reenter,
    }));
  });
}

/** Builds the model from `xstate/graph`'s directed graph, adding the eventless (`always`) transitions it leaves out. */
export function chartModel(machine: AnyStateMachine): ChartModel {
  const root = toDirectedGraph(machine);
  const states: ChartState[] = [];
  const transitions: ChartTransition[] = [];
  const visit = (graph: DirectedGraphNode): void => {
    const node = graph.stateNode;
    if (node.path.length > 0) {
      states.push({
        path: pathOf(node),
        key: node.key,
        parent: node.path.length > 1 ? node.path.slice(0, -1).join('.') : null,
        type: node.type,
        initial: initialOf(node),
        description: node.description ?? null,
        tags: [...node.tags],
      });
    }
    // One edge per target: take each transition once.
    transitions.push(...toTransitions(node, [...new Set(graph.edges.map((edge) => edge.transition))]));
    transitions.push(...toTransitions(node, [...(node.always ?? [])]));
    graph.children.forEach(visit);
  };
  visit(root);
  return {
    id: machine.id,
    description: root.stateNode.description ?? null,
    initial: initialOf(root.stateNode),
    states,
    transitions,
  };
}

/** Leaf states (no children): the values a running actor's state can take. */
export function leafStates(model: ChartModel): ChartState[] {
  const parents = new Set(model.states.map((s) => s.parent));
  return model.states.filter((s) => !parents.has(s.path));
}
