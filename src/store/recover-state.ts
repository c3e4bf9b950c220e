import { truncate } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { InterruptedSteps } from './interrupted-steps.js';
import { readJournal } from './journal-reader.js';
import { journalSegments, readSnapshot } from './snapshot-file.js';
import { StateImage } from './state-image.js';

export interface RecoveredState {
  /** Each node's last record, each node_id's life outside the slice, the values the cluster last sent. */
  image: StateImage;
  lastSeq: number;
  interrupted: InterruptedSteps;
  /** The journal files, oldest first. */
  segments: string[];
  /** Records after the snapshot (all of them without one): the journal a compaction would fold. */
  afterSnapshot: number;
}

/**
 * What the state directory holds: the snapshot, then every journal record after it. A record torn
 * by a crash at the end of a file is dropped (and the file cut back to its last whole record).
 */
export async function recoverState(dir: string, logger: Logger): Promise<RecoveredState> {
  const snapshot = await readSnapshot(join(dir, 'snapshot.json'));
  const image = StateImage.of(snapshot);
  let lastSeq = snapshot?.seq ?? 0;
  let afterSnapshot = 0;
  // Deaths the snapshot counted stay counted once compaction pruned the segments they were read from.
  const deaths = snapshot?.deaths;
  const interrupted = deaths ? InterruptedSteps.from(deaths) : new InterruptedSteps();
  const segments = await journalSegments(dir);
  for (const file of segments) {
    const read = await readJournal(file);
    if (read.tornTail) {
      logger.warn({ file, keptBytes: read.validBytes }, 'journal ends with a torn record from a crash: dropped');
      await truncate(file, read.validBytes);
    }
    for (const record of read.records) {
      lastSeq = Math.max(lastSeq, record.seq);
      const after = record.seq > (snapshot?.seq ?? 0);
      if (after || deaths === undefined) interrupted.read(record);
      if (after) {
        image.apply(record);
        afterSnapshot += 1;
      }
    }
  }
  return { image, lastSeq, interrupted: interrupted.finish(), segments, afterSnapshot };
}
