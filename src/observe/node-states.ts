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

/**
 * The diagram the dashboard draws, compact enough to read at the page's width: without the
 * restart's restore arrows (booting → each state a journal can hold), and arrows labelled by their
 * event alone (`visualize` shows the guards).
 */
export function nodeDashboardDiagram(): string {
  const chart = nodeChart();
  const transitions = chart.transitions
    .filter((t) => !t.guard?.startsWith('restoredIn('))
    .map((t) => ({ ...t, label: t.label.replace(/ \[[^\]]*\]$/, '') }));
  return toMermaid({ ...chart, transitions });
}
