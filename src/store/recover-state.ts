import { truncate } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { NodeEntry } from '../protocol/client-methods.js';
import { InterruptedSteps } from './interrupted-steps.js';
import { readJournal } from './journal-reader.js';
import type { NodeRecord } from './records.js';
import { journalSegments, readSnapshot } from './snapshot-file.js';

export interface RecoveredState {
  /** Each node's last record. */
  nodes: Map<string, NodeRecord>;
  /** The values the cluster last sent, per node. */
  values: Map<string, NodeEntry>;
  lastSeq: number;
  interrupted: InterruptedSteps;
  /** The journal files, oldest first. */
  segments: string[];
}

/**
 * What the state directory holds: the snapshot, then every journal record after it. A record torn
 * by a crash at the end of a file is dropped (and the file cut back to its last whole record).
 */
export async function recoverState(dir: string, logger: Logger): Promise<RecoveredState> {
  const snapshot = await readSnapshot(join(dir, 'snapshot.json'));
  const nodes = new Map((snapshot?.nodes ?? []).map((n) => [n.nodeId, n]));
  const values = new Map((snapshot?.values ?? []).map((entry) => [entry.node_id, entry]));
  let lastSeq = snapshot?.seq ?? 0;
  const interrupted = new InterruptedSteps();
  const segments = await journalSegments(dir);
  for (const file of segments) {
    const read = await readJournal(file);
    if (read.tornTail) {
      logger.warn({ file, keptBytes: read.validBytes }, 'journal ends with a torn record from a crash: dropped');
      await truncate(file, read.validBytes);
    }
    for (const record of read.records) {
      lastSeq = Math.max(lastSeq, record.seq);
      interrupted.read(record);
      if (record.seq <= (snapshot?.seq ?? 0)) continue;
      if (record.kind === 'node') {
        const { v: _v, seq: _s, t: _t, kind: _k, ...node } = record;
        nodes.set(node.nodeId, node);
      } else if (record.kind === 'call' && record.method === 'SetResourceValues') {
        for (const entry of record.nodes) values.set(entry.node_id, entry);
      }
    }
  }
  return { nodes, values, lastSeq, interrupted: interrupted.finish(), segments };
}
