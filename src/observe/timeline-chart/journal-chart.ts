import { stateHasTag } from '../../../machines/node.tags.js';
import type { NodeTag } from '../../../machines/node.types.js';
import type { JournalRecord } from '../../store/records.js';
import { topState } from '../node-events.js';
import { timelineGeometry } from './chart-geometry.js';
import { type ChartNode, type CommandMark, idleChartNode, stepBars } from './chart-rows.js';
import { timelineSvg } from './chart-svg.js';

interface NodeTrace {
  node: Omit<ChartNode, 'steps'>;
  incarnation: number;
  marks: CommandMark[];
}

const freshTrace = (nodeId: string, incarnation: number): NodeTrace => ({
  node: idleChartNode(nodeId),
  incarnation,
  marks: [],
});

/** Each node's latest life in the slice, as the journal tells it, in chart form. */
export function chartNodesOfJournal(records: readonly JournalRecord[]): ChartNode[] {
  const traces = new Map<string, NodeTrace>();
  const trace = (nodeId: string, incarnation: number): NodeTrace => {
    const found = traces.get(nodeId);
    if (found && incarnation <= found.incarnation) return found;
    const fresh = freshTrace(nodeId, incarnation);
    traces.set(nodeId, fresh);
    return fresh;
  };
  for (const record of records) {
    if (record.kind === 'node') {
      const { node } = trace(record.nodeId, record.memory.incarnation ?? 1);
      const tagged = (tag: NodeTag) => stateHasTag(record.state, tag);
      if (tagged('verified') && node.verifiedAt === null) node.verifiedAt = record.t;
      Object.assign(node, {
        state: topState(record.state),
        settled: tagged('released') || tagged('gone'),
        drainRunning: tagged('drainRunning'),
        unverified: tagged('unverified'),
        revokedAt: record.memory.revokedAt,
        deadline: record.memory.deadline,
        deletedAt: record.memory.deletedAt,
        workLost: record.memory.workLost,
      });
    } else if (record.kind === 'command') {
      const { marks } = trace(record.nodeId, record.incarnation);
      const { rung, stepIndex, step, phase } = record;
      const open = marks.findLast(
        (m) => m.end === null && m.rung === rung && m.stepIndex === stepIndex && m.phase === phase,
      );
      if (record.state === 'finished' && open) Object.assign(open, { end: record.t, code: record.code ?? null });
      else
        marks.push({
          rung,
          stepIndex,
          step,
          phase,
          start: record.t,
          end: record.state === 'finished' ? record.t : null,
          code: null,
        });
    } else if (record.kind === 'reply') {
      for (const nodeId of record.released) {
        const node = traces.get(nodeId)?.node;
        if (node && !node.released && node.revokedAt !== null)
          Object.assign(node, { released: true, releasedAt: record.t });
      }
    }
  }
  return [...traces.values()].map(({ node, marks }) => ({ ...node, steps: stepBars(marks) }));
}

/** The timeline chart of a journal, as an SVG document (`history --format svg`): every node drawn. */
export function journalTimelineSvg(records: readonly JournalRecord[], title: string): string {
  const now = records.at(-1)?.t ?? 0;
  const nodes = chartNodesOfJournal(records);
  const geometry = timelineGeometry(nodes, { now, width: 1200, maxRows: nodes.length });
  return `${timelineSvg(geometry, { title, showNow: false })}\n`;
}
