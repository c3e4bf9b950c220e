import type { ChartModel, ChartState, ChartTransition } from './chart-model.js';

// Words Mermaid's state-diagram grammar reserves; a state with such a key gets a suffixed id.
const RESERVED = new Set([
  'state',
  'end',
  'note',
  'direction',
  'class',
  'classDef',
  'style',
  'as',
  'left',
  'right',
  'of',
]);

/** The Mermaid id of a state: its path with dots as underscores (`draining_countdown`). */
export function mermaidId(path: string): string {
  const id = path.replace(/[^A-Za-z0-9_]/g, '_');
  return RESERVED.has(id) ? `${id}_` : id;
}

/** Mermaid reads `;`, `#`, quotes, tags and line ends in labels as syntax: write them as entity codes. */
const escapeText = (text: string): string =>
  text
    .replace(/#/g, '#35;')
    .replace(/;/g, '#59;')
    .replace(/[\r\n]+/g, ' ')
    .replace(/"/g, '#quot;')
    .replace(/</g, '#lt;')
    .replace(/>/g, '#gt;');

/** One arrow per source → target pair (parallel arrows overlap), its labels one per line. */
function transitionLines(transitions: ChartTransition[], indent: string): string[] {
  const arrows = new Map<string, string[]>();
  for (const t of transitions) {
    const key = `${mermaidId(t.source)} --> ${mermaidId(t.target ?? t.source)}`;
    arrows.set(key, [...(arrows.get(key) ?? []), escapeText(t.label)]);
  }
  return [...arrows].map(([arrow, labels]) => `${indent}${arrow} : ${[...new Set(labels)].join('<br/>')}`);
}

/** Renders a chart as a Mermaid `stateDiagram-v2`, nested states as composite states. */
export function toMermaid(model: ChartModel): string {
  const lines = ['stateDiagram-v2'];
  const childrenOf = (parent: string | null): ChartState[] => model.states.filter((s) => s.parent === parent);
  const actionsOnly = (path: string): ChartTransition[] =>
    model.transitions.filter((t) => t.source === path && t.target === null);
  const isLeaf = (path: string): boolean => childrenOf(path).length === 0;

  const declare = (state: ChartState, indent: string): void => {
    const id = mermaidId(state.path);
    const children = childrenOf(state.path);
    if (children.length === 0) {
      lines.push(`${indent}state "${escapeText(state.key)}" as ${id}`);
      // Transitions that only run actions are written inside the state's box, not as loops.
      for (const t of actionsOnly(state.path)) lines.push(`${indent}${id} : on ${escapeText(t.label)}`);
      return;
    }
    lines.push(`${indent}state "${escapeText(state.key)}" as ${id} {`);
    body(state.path, state.initial, state.type === 'parallel', `${indent}  `);
    lines.push(`${indent}}`);
  };

  const body = (parent: string | null, initial: string | null, parallel: boolean, indent: string): void => {
    if (initial !== null) lines.push(`${indent}[*] --> ${mermaidId(initial)}`);
    childrenOf(parent).forEach((child, i) => {
      // Regions of a parallel state are separated by `--`.
      if (parallel && i > 0) lines.push(`${indent}--`);
      declare(child, indent);
    });
    for (const state of childrenOf(parent)) {
      if (state.type === 'final') lines.push(`${indent}${mermaidId(state.path)} --> [*]`);
    }
  };

  body(null, model.initial, false, '  ');
  const arrows = model.transitions.filter((t) => t.source !== '' && !(t.target === null && isLeaf(t.source)));
  lines.push(...transitionLines(arrows, '  '));
  const anyState = model.transitions.filter((t) => t.source === '');
  if (anyState.length > 0 && model.initial !== null) {
    lines.push(`  note right of ${mermaidId(model.initial)}`);
    for (const t of anyState) {
      const goesTo = t.target === null ? '' : ` → ${escapeText(t.target)}`;
      lines.push(`    in any state: ${escapeText(t.label)}${goesTo}`);
    }
    lines.push('  end note');
  }
  return `${lines.join('\n')}\n`;
}
