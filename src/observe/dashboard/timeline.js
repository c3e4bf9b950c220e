// The timeline chart: one row per node on a shared time axis, most at risk first. The rows, the
// geometry and the SVG come from the same modules `history --format svg` uses.
import { timelineGeometry } from './timeline-chart/chart-geometry.js';
import { timelineSvg } from './timeline-chart/chart-svg.js';

// A screenful of rows; the rest are counted in one line below them.
const MAX_ROWS = 40;

/** Redraws the chart of `chartNodes` (already filtered) at the container's width; returns the rows drawn. */
export function renderTimeline(container, chartNodes, now) {
  const width = Math.max(480, Math.floor(container.clientWidth));
  const geometry = timelineGeometry(chartNodes, { now, width, maxRows: MAX_ROWS });
  // Node ids and step names are escaped by timelineSvg.
  container.innerHTML = chartNodes.length === 0 ? '<p class="empty">No nodes.</p>' : timelineSvg(geometry);
  return geometry.rows;
}

/** Calls `onSelect(nodeId)` when a row of the chart is clicked. */
export function onTimelineClick(container, onSelect) {
  container.addEventListener('click', (event) => {
    const row = event.target.closest?.('g.row');
    if (row) onSelect(row.dataset.nodeId);
  });
}
