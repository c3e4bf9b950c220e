// @ts-check
// Rows → bars and markers on a shared time axis, in SVG user units. No DOM: the dashboard and
// `history --format svg` draw the same geometry.
import { byRisk } from './chart-rows.js';

/** @typedef {import('./chart-rows.js').ChartNode} ChartNode */

/**
 * @typedef {object} Bar
 * @property {number} x
 * @property {number} width
 * @property {string} rung
 * @property {boolean} running
 * @property {string} title step, rung and every attempt in it
 */

/**
 * @typedef {object} Marker
 * @property {'revoked' | 'verified' | 'released' | 'deleted' | 'deadline' | 'eta'} kind
 * @property {number} x
 * @property {string} title
 */

/**
 * @typedef {object} Row
 * @property {string} nodeId
 * @property {string} state
 * @property {number} y top of the row
 * @property {boolean} atRisk
 * @property {number} slackMs
 * @property {Bar[]} bars
 * @property {Marker[]} markers
 */

/**
 * @typedef {object} Geometry
 * @property {number} width
 * @property {number} height
 * @property {number} rowHeight
 * @property {number} labelWidth
 * @property {number} axisHeight
 * @property {number} start epoch ms at the left edge of the plot
 * @property {number} end epoch ms at the right edge
 * @property {{ x: number, label: string }[]} ticks
 * @property {number | null} nowX null when now is off the axis
 * @property {Row[]} rows
 * @property {{ count: number, atRisk: number }} more the rows not drawn (past maxRows)
 */

const STEPS_S = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 43200, 86400];

/** @param {number} s */
export function offsetLabel(s) {
  if (s === 0) return '0';
  if (s % 3600 === 0) return `+${s / 3600} h`;
  if (s % 60 === 0) return `+${s / 60} min`;
  return `+${s} s`;
}

/** @param {number} ms */
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

/**
 * @param {import('./chart-rows.js').StepBar} bar
 * @param {number} origin
 */
function barTitle(bar, origin) {
  const lines = bar.attempts.map((a, i) => {
    const outcome =
      a.end === null ? 'running' : a.code === 0 ? 'ok' : a.code === null ? 'no exit code' : `exit ${a.code}`;
    return `${a.phase} #${i + 1} at +${seconds(a.start - origin)}: ${outcome}`;
  });
  return [
    `${bar.step} (${bar.rung}), ${bar.attempts.length} command${bar.attempts.length === 1 ? '' : 's'}`,
    ...lines,
  ].join('\n');
}

/**
 * @param {ChartNode[]} nodes
 * @param {{ now: number, width?: number, rowHeight?: number, labelWidth?: number, maxRows?: number }} options
 * @returns {Geometry}
 */
export function timelineGeometry(nodes, options) {
  const { now, width = 960, rowHeight = 22, labelWidth = 140, maxRows = 40 } = options;
  const axisHeight = 24;
  const sorted = byRisk(nodes, now);
  const shown = sorted.slice(0, Math.max(0, maxRows));
  const hidden = sorted.slice(shown.length);
  // Loops, not Math.min(...list): a slice of many thousand nodes would overflow the call's arguments.
  let first = Infinity;
  let last = now;
  for (const n of nodes) {
    if (n.revokedAt !== null) first = Math.min(first, n.revokedAt);
    for (const t of [n.revokedAt, n.deadline, n.verifiedAt, n.releasedAt, n.deletedAt])
      if (t !== null) last = Math.max(last, t);
  }
  const start = first === Infinity ? now - 60_000 : first;
  const end = last > start ? last + (last - start) * 0.02 : start + 60_000;
  const x0 = labelWidth;
  const x1 = width - 8;
  const x = (/** @type {number} */ t) => Math.round((x0 + ((t - start) / (end - start)) * (x1 - x0)) * 10) / 10;
  const spanS = (end - start) / 1000;
  const step = STEPS_S.find((s) => spanS / s <= 10) ?? Math.ceil(spanS / 10);
  const ticks = [];
  for (let s = 0; s <= spanS && ticks.length < 50; s += step)
    ticks.push({ x: x(start + s * 1000), label: offsetLabel(s) });
  const rows = shown.map(({ node, slackMs, atRisk }, i) => {
    const stop = node.deletedAt ?? now;
    const bars = node.steps.map((bar) => {
      const left = x(bar.start);
      const right = x(bar.end ?? Math.max(stop, bar.start));
      return {
        x: left,
        width: Math.max(2, right - left),
        rung: bar.rung,
        running: bar.end === null,
        title: barTitle(bar, start),
      };
    });
    /** @type {Marker[]} */
    const markers = [];
    /** @param {Marker['kind']} kind @param {number | null} at @param {string} text */
    const mark = (kind, at, text) => {
      if (at !== null) markers.push({ kind, x: x(at), title: `${text} at +${seconds(at - start)}` });
    };
    mark('revoked', node.revokedAt, 'revoked');
    if (node.drainRunning) mark('eta', node.eta, 'expected end of drain');
    mark('verified', node.verifiedAt, 'drain verified');
    mark('released', node.releasedAt, 'released to the cluster');
    mark('deleted', node.deletedAt, 'deleted by the cluster');
    mark('deadline', node.deadline, 'deadline');
    return { nodeId: node.nodeId, state: node.state, y: axisHeight + i * rowHeight, atRisk, slackMs, bars, markers };
  });
  const moreHeight = hidden.length > 0 ? rowHeight : 0;
  return {
    width,
    height: axisHeight + rows.length * rowHeight + moreHeight + 4,
    rowHeight,
    labelWidth,
    axisHeight,
    start,
    end,
    ticks,
    nowX: now >= start && now <= end ? x(now) : null,
    rows,
    more: { count: hidden.length, atRisk: hidden.filter((r) => r.atRisk).length },
  };
}
