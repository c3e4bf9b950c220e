// The node machine's diagram, drawn by Mermaid from the text the agent generates from its chart:
// each state shows its live node count, the states holding nodes stand out, a click filters by state.
import { panZoom } from './pan-zoom.js';

const SVG = 'http://www.w3.org/2000/svg';

/** Renders the diagram; `onPick(path)` is called when a state (or its count below) is clicked. */
export async function drawDiagram(container, doc, onPick) {
  const { mermaid } = window;
  // Labels at a reading size: Mermaid measures them with this CSS, so the boxes grow with them.
  const themeCSS =
    '.nodeLabel, .label { font-size: 18px !important; } .edgeLabel, .edgeLabel p { font-size: 14px !important; }';
  mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: 'neutral', themeCSS });
  const renderId = 'node-machine';
  const { svg } = await mermaid.render(renderId, doc.mermaid);
  container.innerHTML = svg;
  panZoom(container.querySelector('svg'), document.getElementById('diagram-controls'));
  const groups = [...container.querySelectorAll('g[id]')];
  const elements = new Map();
  for (const state of doc.states) {
    // Mermaid names a state's group `<renderId>-state-<id>-<n>`.
    const pattern = new RegExp(`^${renderId}-state-${state.mermaidId}-\\d+$`);
    const group = groups.find((g) => pattern.test(g.id));
    if (!group) continue;
    group.dataset.statePath = state.path;
    group.classList.add('pickable');
    group.addEventListener('click', (event) => {
      event.stopPropagation(); // a child state, not its parent
      onPick(state.path);
    });
    elements.set(state.path, group);
  }
  const list = document.getElementById('state-counts');
  const items = new Map();
  for (const state of doc.states) {
    const item = list.appendChild(document.createElement('li'));
    item.dataset.state = state.path;
    item.tabIndex = 0;
    item.addEventListener('click', () => onPick(state.path));
    items.set(state.path, item);
  }
  return { states: doc.states, elements, items };
}

function badgeOf(group) {
  let badge = group.querySelector(':scope > g.count-badge');
  if (badge) return badge;
  const box = group.getBBox();
  badge = document.createElementNS(SVG, 'g');
  badge.setAttribute('class', 'count-badge');
  badge.setAttribute('transform', `translate(${box.x + box.width - 4}, ${box.y + 4})`);
  const circle = badge.appendChild(document.createElementNS(SVG, 'circle'));
  circle.setAttribute('r', '13');
  badge.appendChild(document.createElementNS(SVG, 'text'));
  group.appendChild(badge);
  return badge;
}

/**
 * Node count per state (a parent counts its children's nodes) on the diagram and in the list; the picked state marked.
 */
export function showStateCounts(diagram, nodes, picked) {
  const counts = new Map(diagram.states.map((s) => [s.path, 0]));
  for (const node of nodes) {
    const parts = node.stateName.split('.');
    for (let i = 1; i <= parts.length; i += 1) {
      const path = parts.slice(0, i).join('.');
      if (counts.has(path)) counts.set(path, counts.get(path) + 1);
    }
  }
  for (const [path, count] of counts) {
    const item = diagram.items.get(path);
    item.dataset.count = String(count);
    item.classList.toggle('picked', path === picked);
    item.textContent = `${path}: ${count}`;
    const group = diagram.elements.get(path);
    if (!group) continue;
    group.classList.toggle('has-nodes', count > 0);
    group.classList.toggle('picked', path === picked);
    group.dataset.count = String(count);
    const existing = group.querySelector(':scope > g.count-badge');
    if (count === 0) {
      existing?.remove();
      continue;
    }
    const badge = existing ?? badgeOf(group);
    badge.querySelector('text').textContent = String(count);
  }
}
