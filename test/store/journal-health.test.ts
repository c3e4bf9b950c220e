import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJournal } from '../../src/store/journal-reader.js';
import type { NodeRecord } from '../../src/store/records.js';
import { Store } from '../../src/store/store.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { FaultyJournalFiles } from '../helpers/faulty-journal-file.js';
import { nodeMemory } from '../helpers/node-memory.js';

const record = (nodeId: string, state: NodeRecord['state']): NodeRecord => ({
  nodeId,
  clientId: null,
  target: { nodeId, host: 'h', port: 22, user: 'root' },
  state,
  memory: nodeMemory({ revokedAt: 1, deadline: 2, maxWaitTime: 60 }),
});

async function journalRecords(dir: string) {
  const [file] = (await readdir(dir)).filter((n) => n.startsWith('journal-'));
  return (await readJournal(join(dir, file!))).records;
}

describe('the journal store when the disk fails', () => {
  it('recovers by itself with no call to prompt it, logging once when writes fail and once when they succeed again', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dynslice-health-'));
    const files = new FaultyJournalFiles();
    const { logger, lines } = captureLogger();
    const store = await Store.open({ dir, logger, openFile: files.open, retryMs: { first: 20, max: 80 } });
    files.fail('write', 'EIO', 6);
    store.recordNode(record('pc1', 'drained'));
    await expect(store.flush()).rejects.toMatchObject({
      code: 'JOURNAL_UNWRITABLE',
      message: expect.stringContaining('(EIO)'),
    });
    const failing = store.journalStatus;
    expect(failing).toMatchObject({
      healthy: false,
      lastError: expect.stringContaining('EIO'),
      unwritten: 1,
      writeErrors: 1,
    });

    await expect.poll(() => store.journalStatus.healthy, { timeout: 10_000 }).toBe(true);
    expect(store.journalStatus).toMatchObject({
      writeErrors: 6,
      unwritten: 0,
      lastError: expect.stringContaining('EIO'),
    });
    expect(store.journalStatus.since).toBeGreaterThanOrEqual(failing.since);
    // The next countdown may answer at once: the node state it rests on is on disk.
    expect(store.nodeStateDurable).toBe(true);
    expect((await journalRecords(dir)).filter((r) => r.kind === 'node')).toMatchObject([
      { nodeId: 'pc1', state: 'drained' },
    ]);
    expect(lines.filter((l) => l.msg.startsWith('journal write failed'))).toHaveLength(1);
    expect(lines.filter((l) => l.msg.startsWith('journal writable again'))).toMatchObject([{ failures: 6 }]);
    await store.close();
  });

  it('stops with the records it could not write counted in the log, and leaves the directory to the next agent', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dynslice-health-'));
    const files = new FaultyJournalFiles();
    const { logger, lines } = captureLogger();
    const store = await Store.open({ dir, logger, openFile: files.open });
    files.fail('write', 'ENOSPC', Infinity);
    store.recordNode(record('pc1', 'drained'));
    store.recordNode(record('pc2', 'drained'));
    await store.close();
    // The two node records and the stop record.
    expect(lines.filter((l) => l.msg.startsWith('journal records lost at stop'))).toMatchObject([{ records: 3 }]);
    const next = await Store.open({ dir, logger });
    expect(next.recovered.size).toBe(0);
    await next.close();
  });
});
