import { stateHasTag } from '../../machines/node.tags.js';
import { readJournal } from './journal-reader.js';
import type { JournalRecord } from './records.js';
import { journalSegments } from './snapshot-file.js';

/** One line of the audit timeline: who asked what, what the agent did, what it answered. */
export interface HistoryRow {
  seq: number;
  time: string;
  kind: JournalRecord['kind'];
  method: string;
  node: string;
  state: string;
  /** Which life of the node in the slice a node row belongs to (1, 2, …); 0 on rows of no node state. */
  incarnation: number;
  detail: string;
}

function rowsOf(record: JournalRecord, previous: Map<string, string>): HistoryRow[] {
  const base = {
    seq: record.seq,
    time: new Date(record.t).toISOString(),
    kind: record.kind,
    method: '',
    node: '',
    state: '',
    incarnation: 0,
    detail: '',
  };
  switch (record.kind) {
    case 'start':
      return [{ ...base, detail: `agent started (pid ${record.pid}), ${record.recovered} nodes recovered` }];
    case 'stop':
      return [{ ...base, detail: 'agent stopped' }];
    case 'command': {
      const outcome =
        record.state === 'finished'
          ? ` finished${record.code === undefined ? '' : `: ${record.code === null ? 'no exit code' : `exit ${record.code}`}`}`
          : ' started';
      const detail = `${record.rung} step ${record.step}: ${record.phase}${outcome}`;
      return [{ ...base, node: record.nodeId, incarnation: record.incarnation, detail }];
    }
    case 'call': {
      const refused = record.refused === undefined ? '' : ` (refused, not applied: ${record.refused})`;
      return record.nodes.map((n) => ({
        ...base,
        method: record.method,
        node: n.node_id,
        detail:
          (n.max_wait_time !== undefined
            ? `max_wait_time ${n.max_wait_time}`
            : n.value !== undefined
              ? `value ${n.value}`
              : '') + refused,
      }));
    }
    case 'reply': {
      const detail =
        record.error !== undefined
          ? `answered SERVERERROR: ${record.error}`
          : record.released.length
            ? `released ${record.released.join(' ')}`
            : 'released none';
      return [{ ...base, method: record.method, detail }];
    }
    case 'life': {
      const { life } = record;
      const detail =
        life === 'left'
          ? `left the slice (incarnation ${record.incarnation}): ${record.why}`
          : life === 'unknown'
            ? `unknown node, reported released: ${record.why}`
            : life === 'parked'
              ? `waits for the node list to say what it is${record.noWait ? ' (the cluster cannot wait: released)' : ''}`
              : 'forgotten: the cluster deleted it';
      return [{ ...base, node: record.nodeId, state: life, detail }];
    }
    case 'node': {
      const from = previous.get(record.nodeId);
      previous.set(record.nodeId, record.state);
      const m = record.memory;
      const incarnation = m.incarnation ?? 1;
      const notes = [
        from !== undefined && stateHasTag(from, 'gone')
          ? `back in the slice: incarnation ${incarnation}`
          : incarnation > 1
            ? `incarnation ${incarnation}`
            : '',
        from ? `from ${from}` : '',
        m.failure ? `failure: ${m.failure}` : '',
        m.forcedReason ? `forced: ${m.forcedReason}` : '',
        m.workLost ? 'work lost' : '',
      ];
      return [
        { ...base, node: record.nodeId, state: record.state, incarnation, detail: notes.filter(Boolean).join('; ') },
      ];
    }
  }
}

/** Every record of the journal files still on disk, oldest first. */
export async function readJournalRecords(dir: string): Promise<JournalRecord[]> {
  const records: JournalRecord[] = [];
  for (const file of await journalSegments(dir)) records.push(...(await readJournal(file)).records);
  return records;
}

/**
 * The journal files still on disk, as a timeline; `node` keeps the rows about one node, and
 * `incarnation` drops the rows of its other incarnations.
 */
export async function readHistory(dir: string, node?: string, incarnation?: number): Promise<HistoryRow[]> {
  const previous = new Map<string, string>();
  const rows = (await readJournalRecords(dir)).flatMap((record) => rowsOf(record, previous));
  const ofNode =
    node === undefined
      ? rows
      : rows.filter((r) => r.node === node || (r.kind === 'reply' && r.detail.split(' ').includes(node)));
  return incarnation === undefined
    ? ofNode
    : ofNode.filter((r) => r.incarnation === 0 || r.incarnation === incarnation);
}

const csvField = (value: string | number) =>
  /[",\n]/.test(String(value)) ? `"${String(value).replaceAll('"', '""')}"` : String(value);
const COLUMNS = ['time', 'seq', 'kind', 'method', 'node', 'state', 'detail', 'incarnation'] as const;

export function formatHistory(rows: HistoryRow[], format: 'text' | 'jsonl' | 'csv'): string {
  if (format === 'jsonl') return rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : '');
  if (format === 'csv')
    return `${[COLUMNS.join(','), ...rows.map((r) => COLUMNS.map((c) => csvField(r[c])).join(','))].join('\n')}\n`;
  return (
    rows
      .map((r) =>
        (
          `${r.time}  ${r.kind.padEnd(5)}  ${(r.method || '-').padEnd(20)}  ${(r.node || '-').padEnd(10)}  ` +
          `${(r.state || '').padEnd(19)}  ${r.detail}`
        ).trimEnd(),
      )
      .join('\n') + (rows.length ? '\n' : '')
  );
}
