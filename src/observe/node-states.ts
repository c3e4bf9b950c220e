import { nodeMachine } from '../../machines/node.machine.js';
import { type ChartModel, chartModel, leafStates } from './diagram/chart-model.js';
import { toMermaid } from './diagram/mermaid.js';

let cached: ChartModel | null = null;

/** The node machine's chart, read once from its definition. */
export function nodeChart(): ChartModel {
  cached ??= chartModel(nodeMachine);
  return cached;
}

/** Every state a node can be in (`draining.countdown`, `drained`, ...), from the definition. */
export function nodeStateNames(): string[] {
  return leafStates(nodeChart()).map((state) => state.path);
}

/** The node machine's Mermaid diagram, as the dashboard draws it. */
export function nodeDiagram(): string {
  return toMermaid(nodeChart());
}
