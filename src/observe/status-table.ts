import type { JournalStatus } from '../store/journal-health.js';
import type { NodeView } from './node-view.js';
import { byRisk, chartNodeOfView } from './timeline-chart/chart-rows.js';

const HEADERS = ['NODE', 'CLIENT', 'HOST', 'STATE', 'VALUE', 'LEFT', 'STEP', 'ETA', 'RELEASED', 'FAILURE'];

/** `42s`, `4m05s`, `1h02m`. */
export const duration = (ms: number): string => {
  const s = Math.max(0, Math.round(ms / 1000));
  return s >= 3600
    ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
    : s >= 60
      ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
      : `${s}s`;
};

const clockTime = (ms: number): string => new Date(ms).toTimeString().slice(0, 8);

/** The drain command running now or last: `stop-jobs:verify#2 exit 1`. */
export function stepCell(node: NodeView): string {
  const step = node.step;
  if (step === null) return '-';
  const attempt = step.attempt > 0 ? `#${step.attempt + 1}` : '';
  const outcome =
    step.finishedAt === undefined ? 'running' : step.code === 0 ? 'ok' : (step.failure ?? `exit ${step.code}`);
  return `${step.step}:${step.phase}${attempt} ${outcome}`;
}

function row(node: NodeView, now: number): string[] {
  return [
    node.incarnation > 1 ? `${node.nodeId} #${node.incarnation}` : node.nodeId,
    node.clientId ?? '-',
    node.host,
    node.stateName,
    node.value === null ? '-' : String(node.value),
    node.deadline === null ? '-' : duration(node.deadline - now),
    stepCell(node),
    node.eta === null ? '-' : `in ${duration(node.eta - now)}`,
    node.releasedAt === null ? '-' : clockTime(node.releasedAt),
    // One line per node: a multi-line failure is cut at its first line.
    (node.failure ?? (node.workLost ? 'work lost' : '-')).split('\n')[0]!,
  ];
}

/** A line under the table while the journal cannot be written; nothing while it can. */
function journalLine(journal: JournalStatus | null | undefined): string {
  if (!journal || journal.healthy) return '';
  return (
    `journal NOT WRITABLE since ${clockTime(journal.since)} (${journal.lastError}), ${journal.unwritten} ` +
    `records kept in memory: countdown replies that need the disk answer SERVERERROR\n`
  );
}

/** The nodes as a terminal table, columns padded to their widest cell. */
export function statusTable(nodes: NodeView[], now: number, journal?: JournalStatus | null): string {
  // Most at risk first, as `status --watch` orders them.
  const byId = new Map(nodes.map((node) => [node.nodeId, node]));
  const ranked = byRisk(nodes.map(chartNodeOfView), now).map(({ node }) => byId.get(node.nodeId)!);
  const rows = [HEADERS, ...ranked.map((node) => row(node, now))];
  const widths = HEADERS.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
  const released = nodes.filter((n) => n.released).length;
  return `${lines.join('\n')}\n\n${nodes.length} nodes, ${released} released\n${journalLine(journal)}`;
}
