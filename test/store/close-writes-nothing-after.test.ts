import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJournal } from '../../src/store/journal-reader.js';
import { Store } from '../../src/store/store.js';
import { captureLogger } from '../helpers/capture-logger.js';

const files = async (dir: string) => (await readdir(dir)).sort();

describe('closing the store', () => {
  // The model campaign (seed 23) shrank it to: countdown(pc4:0 pc3:0 pc1:0), lateRetry, countdown(pc1:120),
  // then a stop, with a snapshot every 25 records: the state directory changed after the agent let go of it.
  it('writes nothing after close, even when its last records reach the compaction threshold', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dynslice-store-close-'));
    const store = await Store.open({ dir, logger: captureLogger().logger, compactEvery: 3 });
    store.recordCall('NotifyDeletePending', [{ node_id: 'pc1', max_wait_time: 60 }]);
    // The stop record close() appends is the one that reaches the threshold.
    await store.close();
    const atClose = await files(dir);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await files(dir)).toEqual(atClose);
    // The newest journal file ends with the stop record: the next start sees a clean stop.
    const newest = atClose.filter((n) => n.startsWith('journal-')).at(-1)!;
    expect((await readJournal(join(dir, newest))).records.at(-1)?.kind).toBe('stop');
  });
});
