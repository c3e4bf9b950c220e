import type { AnyStateMachine, InspectionEvent } from 'xstate';

interface ChartNode {
  id: string;
  transitions: Map<string, object[]>;
  always?: object[];
  states: Record<string, ChartNode>;
}

/** Every state and every transition of a chart (eventless ones included), and which a walk took. */
export class ChartCoverage {
  private readonly transitions = new Map<object, string>();
  private readonly states: string[] = [];
  private readonly takenTransitions = new Set<string>();
  private readonly visitedStates = new Set<string>();
  paths = 0;

  constructor(
    readonly name: string,
    machine: AnyStateMachine,
  ) {
    const walk = (node: ChartNode, isRoot: boolean): void => {
      if (!isRoot) this.states.push(node.id);
      for (const [event, list] of node.transitions)
        for (const [i, t] of list.entries()) this.transitions.set(t, `${node.id} ─${event}[${i}]→`);
      for (const [i, t] of (node.always ?? []).entries()) this.transitions.set(t, `${node.id} ─always[${i}]→`);
      for (const child of Object.values(node.states)) walk(child, false);
    };
    walk(machine.root as unknown as ChartNode, true);
  }

  /** For createActor's `inspect`: records the chart's transitions each microstep takes. */
  readonly inspect = (event: InspectionEvent): void => {
    if (event.type !== '@xstate.microstep') return;
    for (const transition of (event as unknown as { _transitions: Array<{ source: { id: string } }> })._transitions) {
      const key = this.transitions.get(transition);
      if (key === undefined) continue;
      this.takenTransitions.add(key);
      // Transient states (eventless choices) are seen only as a transition's source.
      if (this.states.includes(transition.source.id)) this.visitedStates.add(transition.source.id);
    }
  };

  /** Records the active states of a snapshot of this chart. */
  visit(snapshot: { _nodes?: Array<{ id: string }> }): void {
    for (const node of snapshot._nodes ?? []) if (this.states.includes(node.id)) this.visitedStates.add(node.id);
  }

  get missing(): string[] {
    return [
      ...this.states.filter((s) => !this.visitedStates.has(s)).map((s) => `state ${s}`),
      ...[...this.transitions.values()].filter((t) => !this.takenTransitions.has(t)).map((t) => `transition ${t}`),
    ];
  }

  summary(): string {
    return (
      `${this.name}: ${this.paths} paths, states ${this.visitedStates.size}/${this.states.length}, ` +
      `transitions ${this.takenTransitions.size}/${this.transitions.size}`
    );
  }
}

/**
 * For events that arrive only while a state is active (a leaf's outcome, a timer), given as
 * `[event type, state id or its last segments]`: whether the event can arrive in a snapshot.
 */
export function arrivesIn(where: ReadonlyArray<readonly [string, string]>) {
  return (snapshot: unknown, event: { type: string }): boolean => {
    const id = where.find(([type]) => type === event.type)?.[1];
    if (id === undefined) return true;
    const active = (snapshot as { _nodes?: Array<{ id: string }> })._nodes ?? [];
    return active.some((node) => node.id === id || node.id.endsWith(`.${id}`));
  };
}
