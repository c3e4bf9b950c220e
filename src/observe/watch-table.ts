import type { NodeView } from './node-view.js';
import { duration, stepCell } from './status-table.js';
import { alignColumns } from './text-table.js';
import { byRisk, chartNodeOfView, summaryLine, waveSummary } from './timeline-chart/chart-rows.js';

const BAR_WIDTH = 20;
const HEADERS = ['NODE', 'STATE', 'COUNTDOWN', 'STEP', 'ETA', 'FAILURE'];
const ANSI = { red: '\x1b[1;31m', green: '\x1b[32m', dim: '\x1b[2m', bold: '\x1b[1m', reset: '\x1b[0m' };

/** `[#######.............] 4m05s left`; released: how long before its deadline. */
export function countdownBar(node: NodeView, now: number): string {
  if (node.deadline === null) return node.gone ? 'gone' : 'not revoked';
  const left = Math.max(0, node.deadline - now);
  const window = node.revokedAt === null ? left : Math.max(1, node.deadline - node.revokedAt);
  const filled = node.released ? 0 : Math.round(Math.min(1, window === 0 ? 0 : left / window) * BAR_WIDTH);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`;
  if (node.releasedAt !== null)
    return `${bar} released ${duration(Math.max(0, node.deadline - node.releasedAt))} early`;
  return `${bar} ${duration(left)} left`;
}

/**
 * What `status --watch` draws: the summary line, then one row per node, most at risk first. With
 * `color`, at-risk rows are red, released ones green, nodes not revoked dim.
 */
export function watchFrame(nodes: readonly NodeView[], now: number, color: boolean): string {
  const byId = new Map(nodes.map((n) => [n.nodeId, n]));
  const ranked = byRisk(nodes.map(chartNodeOfView), now);
  const rows = ranked.map(({ node: { nodeId } }) => {
    const node = byId.get(nodeId)!;
    const eta = node.eta === null ? '-' : `in ${duration(node.eta - now)}`;
    return [
      nodeId,
      node.stateName,
      countdownBar(node, now),
      stepCell(node),
      eta,
      (node.failure ?? (node.workLost ? 'work lost' : '-')).split('\n')[0]!,
    ];
  });
  const lines = alignColumns([HEADERS, ...rows]).map((line) => line.trimEnd());
  const summary = summaryLine(
    waveSummary(
      ranked.map((r) => r.node),
      now,
    ),
  );
  if (!color) return `${summary}\n\n${lines.join('\n')}\n`;
  const paint = (line: string, i: number): string => {
    if (i === 0) return `${ANSI.bold}${line}${ANSI.reset}`;
    const { node, atRisk } = ranked[i - 1]!;
    const tone = atRisk ? ANSI.red : node.released ? ANSI.green : node.deadline === null ? ANSI.dim : '';
    return tone ? `${tone}${line}${ANSI.reset}` : line;
  };
  return `${ANSI.bold}${summary}${ANSI.reset}\n\n${lines.map(paint).join('\n')}\n`;
}
