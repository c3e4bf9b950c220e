// The dashboard: one fetch of the chart, then the SSE stream keeps every panel current (no reload).
// A state picked in the diagram filters the table and the timeline; a node picked shows its drain.
import { renderDrainLadder } from './drain-ladder.js';
import { renderNodeRows } from './nodes-table.js';
import { drawDiagram, showStateCounts } from './state-diagram.js';
import { onTimelineClick, renderTimeline } from './timeline.js';
import { byRisk, chartNodeOfView, summaryLine, waveSummary } from './timeline-chart/chart-rows.js';

const params = new URLSearchParams(location.hash.slice(1) || location.search.slice(1));
const token = params.get('token');
const nodes = new Map();
let clockOffset = 0;
let diagram = null;
let picked = null;
let selected = null;
// A table of a thousand rows takes the browser a second to lay out: past this, rows on request.
const TABLE_ROWS = 100;
let allRows = false;

const serverNow = () => Date.now() + clockOffset;
const api = (path) => fetch(path, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
const inState = (node, path) => path === null || node.stateName === path || node.stateName.startsWith(`${path}.`);

function render(changedIds = new Set(), tick = false) {
  const now = serverNow();
  const list = [...nodes.values()];
  const charted = new Map(list.map((node) => [node.nodeId, chartNodeOfView(node)]));
  const visible = list.filter((node) => inState(node, picked));
  const ranked = byRisk(
    visible.map((node) => charted.get(node.nodeId)),
    now,
  );
  const atRisk = new Set(ranked.filter((r) => r.atRisk).map((r) => r.node.nodeId));
  const ordered = ranked.map((r) => nodes.get(r.node.nodeId));
  const shown = allRows ? ordered : ordered.slice(0, TABLE_ROWS);
  renderNodeRows(document.querySelector('#nodes tbody'), shown, now, { changedIds, atRisk, selected });
  document.getElementById('no-nodes').hidden = visible.length > 0;
  const more = document.getElementById('more-rows');
  more.hidden = shown.length === ordered.length;
  more.querySelector('span').textContent =
    `${ordered.length - shown.length} more nodes, less at risk (or pick a state in the diagram).`;
  const timeline = document.getElementById('timeline');
  // The clock alone does not redraw the chart under the pointer: its tooltips would vanish.
  if (!(tick && timeline.matches(':hover')))
    renderTimeline(
      timeline,
      ranked.map((r) => r.node),
      now,
    );
  if (diagram) showStateCounts(diagram, list, picked);
  renderDrainLadder(document.getElementById('ladder'), selected === null ? null : (nodes.get(selected) ?? null));
  document.getElementById('summary').textContent = summaryLine(waveSummary([...charted.values()], now));
  const filter = document.getElementById('filter');
  filter.hidden = picked === null;
  filter.querySelector('span').textContent =
    picked === null ? '' : `showing ${picked}: ${visible.length} of ${list.length} nodes`;
}

function pick(path) {
  picked = picked === path ? null : path;
  render();
}

function select(nodeId) {
  selected = selected === nodeId ? null : nodeId;
  render();
}

function onNodes(data) {
  clockOffset = data.now - Date.now();
  nodes.clear();
  for (const node of data.nodes) nodes.set(node.nodeId, node);
  render();
}

const changed = new Set();
const flashing = new Set();
/** The animation frame a redraw waits for, if one is asked for (read by ??= below). */
// biome-ignore lint/correctness/noUnusedVariables: read by the ??= that schedules a redraw
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
  document.querySelector('#filter button').addEventListener('click', () => pick(picked));
  document.querySelector('#more-rows button').addEventListener('click', () => {
    allRows = true;
    render();
  });
  document.querySelector('#nodes tbody').addEventListener('click', (event) => {
    const row = event.target.closest('tr');
    if (row) select(row.dataset.nodeId);
  });
  onTimelineClick(document.getElementById('timeline'), select);
  connect();
  const response = await api('api/diagram');
  if (!response.ok) throw new Error(`api/diagram: HTTP ${response.status}`);
  diagram = await drawDiagram(document.getElementById('diagram'), await response.json(), pick);
  render();
  // Countdown bars and the timeline's "now" move between updates.
  setInterval(() => render(new Set(), true), 1000);
}

start().catch((error) => {
  document.getElementById('diagram').textContent = `The diagram could not be drawn: ${error.message}`;
});
