// @ts-check
// The timeline chart as SVG text: one row per node, step bars (graceful and force apart), markers
// for revoked / verified / released / deleted / deadline, a line for now. Node ids are escaped.

/** @typedef {import('./chart-geometry.js').Geometry} Geometry */

/** @param {string | number} text */
export const escapeXml = (text) =>
  String(text).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c,
  );

const STYLE = `
.axis text, .label, .more { font: 11px system-ui, sans-serif; fill: #4a5263; }
.axis line { stroke: #e2e5eb; }
.row-bg { fill: transparent; }
.row.at-risk .row-bg { fill: #fbe3e1; }
.row.at-risk .label { fill: #b3261e; font-weight: 700; }
.track { stroke: #d5d9e0; }
.step-bar.graceful { fill: #c77d12; }
.step-bar.force { fill: #7d3fb0; }
.step-bar.prepare { fill: #5b6b8c; }
.step-bar.running { opacity: 0.7; }
.marker { stroke-width: 2; }
.marker.revoked { stroke: #5b6b8c; }
.marker.verified { stroke: #1f8a4c; }
.marker.released { stroke: #1f8a4c; stroke-dasharray: 3 2; }
.marker.deleted { stroke: #8a8f99; }
.marker.eta { stroke: #c77d12; stroke-dasharray: 2 2; }
.marker.deadline { stroke: #b3261e; stroke-width: 3; }
.now { stroke: #1d2330; stroke-dasharray: 4 3; }
`;

/**
 * @param {Geometry} g
 * @param {{ title?: string, showNow?: boolean }} [options] a title drawn above the chart; showNow false: no line for now (exports)
 * @returns {string}
 */
export function timelineSvg(g, options = {}) {
  const top = options.title ? 22 : 0;
  const height = g.height + top;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="timeline-chart" width="${g.width}" height="${height}" ` +
      `viewBox="0 0 ${g.width} ${height}">`,
    `<style>${STYLE}</style>`,
  ];
  if (options.title) out.push(`<text class="label" x="4" y="15">${escapeXml(options.title)}</text>`);
  out.push(`<g transform="translate(0 ${top})">`, '<g class="axis">');
  for (const tick of g.ticks) {
    out.push(`<line x1="${tick.x}" x2="${tick.x}" y1="${g.axisHeight - 6}" y2="${g.height}"/>`);
    out.push(`<text x="${tick.x + 2}" y="${g.axisHeight - 9}">${escapeXml(tick.label)}</text>`);
  }
  out.push('</g>');
  const mid = g.rowHeight / 2;
  for (const row of g.rows) {
    const id = escapeXml(row.nodeId);
    out.push(
      `<g class="row${row.atRisk ? ' at-risk' : ''}" data-node-id="${id}" data-state="${escapeXml(row.state)}" ` +
        `transform="translate(0 ${row.y})">`,
    );
    out.push(`<rect class="row-bg" x="0" y="0" width="${g.width}" height="${g.rowHeight}"/>`);
    out.push(`<text class="label" x="4" y="${mid + 4}">${id}${row.atRisk ? ' ⚠' : ''}</text>`);
    out.push(`<line class="track" x1="${g.labelWidth}" x2="${g.width - 8}" y1="${mid}" y2="${mid}"/>`);
    for (const bar of row.bars) {
      const cls = `step-bar ${escapeXml(bar.rung)}${bar.running ? ' running' : ''}`;
      out.push(
        `<rect class="${cls}" x="${bar.x}" y="4" width="${bar.width}" height="${g.rowHeight - 8}" ` +
          `rx="2"><title>${escapeXml(bar.title)}</title></rect>`,
      );
    }
    for (const m of row.markers) {
      out.push(
        `<line class="marker ${m.kind}" x1="${m.x}" x2="${m.x}" y1="1" ` +
          `y2="${g.rowHeight - 1}"><title>${escapeXml(m.title)}</title></line>`,
      );
    }
    out.push('</g>');
  }
  if (g.more.count > 0) {
    const y = g.axisHeight + g.rows.length * g.rowHeight + mid + 4;
    const risk = g.more.atRisk > 0 ? `, ${g.more.atRisk} at risk` : '';
    out.push(`<text class="more" x="4" y="${y}">${g.more.count} more nodes${risk}</text>`);
  }
  if (g.nowX !== null && options.showNow !== false)
    out.push(
      `<line class="now" x1="${g.nowX}" x2="${g.nowX}" y1="${g.axisHeight - 6}" ` +
        `y2="${g.height}"><title>now</title></line>`,
    );
  out.push('</g></svg>');
  return out.join('\n');
}
