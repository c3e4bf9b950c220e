// The dashboard: one fetch of the chart, then the SSE stream keeps every panel current (no reload).
import { renderNodeRows } from './nodes-table.js';
import { drawDiagram, showStateCounts } from './state-diagram.js';
import { renderTimelines } from './timeline.js';

const params = new URLSearchParams(location.hash.slice(1) || location.search.slice(1));
const token = params.get('token');
const nodes = new Map();
let clockOffset = 0;
let diagram = null;

const serverNow = () => Date.now() + clockOffset;
const api = (path) => fetch(path, { headers: token ? { Authorization: `Bearer ${token}` } : {} });

function render(changedIds) {
  const list = [...nodes.values()];
  renderNodeRows(document.querySelector('#nodes tbody'), list, serverNow(), changedIds);
  document.getElementById('no-nodes').hidden = list.length > 0;
  renderTimelines(document.getElementById('timelines'), list);
  if (diagram) showStateCounts(diagram, list);
  const released = list.filter((n) => n.released).length;
  document.getElementById('summary').textContent = `${list.length} nodes · ${released} released`;
}

function onNodes(data) {
  clockOffset = data.now - Date.now();
  nodes.clear();
  for (const node of data.nodes) nodes.set(node.nodeId, node);
  render(new Set());
}

const changed = new Set();
const flashing = new Set();
let frame = null;

function onNode(data) {
  clockOffset = data.now - Date.now();
  nodes.set(data.node.nodeId, data.node);
  if (changed.delete(data.node.nodeId)) flashing.add(data.node.nodeId);
  // A batch of many nodes is drawn once.
  frame ??= requestAnimationFrame(() => {
    frame = null;
    render(new Set(flashing));
    flashing.clear();
  });
}

function connect() {
  const status = document.getElementById('connection');
  const source = new EventSource(`api/events${token ? `?token=${encodeURIComponent(token)}` : ''}`);
  source.addEventListener('open', () => {
    status.dataset.status = 'live';
    status.textContent = 'live';
  });
  source.addEventListener('error', () => {
    status.dataset.status = 'reconnecting';
    status.textContent = 'reconnecting…';
  });
  source.addEventListener('nodes', (e) => onNodes(JSON.parse(e.data)));
  // `state` (every change) comes before the `node` it changed, which redraws the row.
  source.addEventListener('state', (e) => changed.add(JSON.parse(e.data).nodeId));
  source.addEventListener('node', (e) => onNode(JSON.parse(e.data)));
}

async function start() {
  connect();
  const response = await api('api/diagram');
  if (!response.ok) throw new Error(`api/diagram: HTTP ${response.status}`);
  diagram = await drawDiagram(document.getElementById('diagram'), await response.json());
  render(new Set());
  // Countdown bars move between updates.
  setInterval(() => renderNodeRows(document.querySelector('#nodes tbody'), [...nodes.values()], serverNow(), new Set()), 1000);
}

start().catch((error) => {
  document.getElementById('diagram').textContent = `The diagram could not be drawn: ${error.message}`;
});
