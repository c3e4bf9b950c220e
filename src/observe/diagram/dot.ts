import type { ChartModel, ChartState } from './chart-model.js';

const quote = (text: string): string => `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
const clusterId = (path: string): string => quote(`cluster_${path}`);

/** Renders a chart as Graphviz DOT; nested states become clusters (`compound=true` for arrows to them). */
export function toDot(model: ChartModel): string {
  const lines = [
    `digraph ${quote(model.id)} {`,
    '  compound=true;',
    '  node [shape=box, style=rounded, fontname="sans-serif"];',
    '  edge [fontname="sans-serif", fontsize=10];',
  ];
  const childrenOf = (parent: string | null): ChartState[] => model.states.filter((s) => s.parent === parent);
  const isComposite = (path: string): boolean => childrenOf(path).length > 0;
  // An arrow to or from a cluster is drawn at a state inside it, clipped at the cluster's border.
  const anchor = (path: string): string => {
    let current = path;
    while (isComposite(current)) {
      const state = model.states.find((s) => s.path === current);
      current = state?.initial ?? childrenOf(current)[0]!.path;
    }
    return current;
  };
  const startOf = (parent: string | null): string => quote(`${parent ?? ''}[*]`);

  const declare = (state: ChartState, indent: string): void => {
    if (!isComposite(state.path)) {
      const shape = state.type === 'final' ? ', peripheries=2' : '';
      lines.push(`${indent}${quote(state.path)} [label=${quote(state.key)}${shape}];`);
      return;
    }
    const kind = state.type === 'parallel' ? ' (parallel)' : '';
    lines.push(`${indent}subgraph ${clusterId(state.path)} {`, `${indent}  label=${quote(state.key + kind)};`);
    body(state.path, state.initial, `${indent}  `);
    lines.push(`${indent}}`);
  };

  const body = (parent: string | null, initial: string | null, indent: string): void => {
    if (initial !== null) {
      lines.push(`${indent}${startOf(parent)} [shape=point, label=""];`);
      const clip = isComposite(initial) ? ` [lhead=${clusterId(initial)}]` : '';
      lines.push(`${indent}${startOf(parent)} -> ${quote(anchor(initial))}${clip};`);
    }
    for (const child of childrenOf(parent)) declare(child, indent);
  };

  body(null, model.initial, '  ');
  for (const t of model.transitions) {
    if (t.source === '') continue;
    const target = t.target ?? t.source;
    // A loop on a cluster is drawn on the state inside it: Graphviz cannot clip both ends to one cluster.
    const loop = target === t.source;
    const clip = [
      isComposite(t.source) && !loop ? `ltail=${clusterId(t.source)}` : '',
      isComposite(target) && !loop ? `lhead=${clusterId(target)}` : '',
    ].filter(Boolean);
    const style = t.target === null ? ['style=dashed'] : [];
    const attributes = [`label=${quote(t.label)}`, ...clip, ...style].join(', ');
    lines.push(`  ${quote(anchor(t.source))} -> ${quote(anchor(target))} [${attributes}];`);
  }
  const anyState = model.transitions.filter((t) => t.source === '');
  if (anyState.length > 0) {
    const text = anyState.map((t) => `in any state: ${t.label}${t.target === null ? '' : ` → ${t.target}`}`).join('\n');
    lines.push(`  "(any state)" [shape=note, label=${quote(text)}];`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
