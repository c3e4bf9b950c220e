import { appendFile, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JournalCorruptError, readJournal } from '../../src/store/journal-reader.js';
import type { NodeRecord } from '../../src/store/records.js';
import { Store } from '../../src/store/store.js';
import { FLUSH_SOON_MS } from '../../src/store/store-options.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { nodeMemory } from '../helpers/node-memory.js';

const tempDir = () => mkdtemp(join(tmpdir(), 'dynslice-store-'));
const record = (nodeId: string, state: NodeRecord['state'], deadline: number | null = null): NodeRecord => ({
  nodeId,
  clientId: 'node1',
  target: { nodeId, host: 'h', port: 22, user: 'root' },
  state,
  memory: nodeMemory({ value: 0.5, revokedAt: 1, deadline, maxWaitTime: 60 }),
});
const journalFiles = async (dir: string) => (await readdir(dir)).filter((n) => n.startsWith('journal-')).sort();

describe('the journal store', () => {
  it('recovers the latest record of every node after a restart', async () => {
    const dir = await tempDir();
    const first = await Store.open({ dir, logger: captureLogger().logger });
    first.recordCall('NotifyDeletePending', [{ node_id: 'pc1', max_wait_time: 60 }]);
    first.recordNode(record('pc1', 'draining.countdown', 5_000));
    first.recordNode(record('pc2', 'allocated.idle'));
    first.recordNode(record('pc1', 'drained', 5_000));
    first.recordReply('NotifyDeletePending', ['pc1']);
    await first.flush();
    await first.close();
    const second = await Store.open({ dir, logger: captureLogger().logger });
    expect([...second.recovered.values()].map((n) => [n.nodeId, n.state])).toEqual([
      ['pc1', 'drained'],
      ['pc2', 'allocated.idle'],
    ]);
    await second.close();
  });

  it('flush puts every record on disk before it resolves, in order, with growing seq', async () => {
    const dir = await tempDir();
    const store = await Store.open({ dir, logger: captureLogger().logger });
    store.recordNode(record('pc1', 'draining.countdown'));
    store.recordReply('NotifyDeletePending', []);
    await Promise.all([store.flush(), store.flush()]);
    const [file] = await journalFiles(dir);
    const { records } = await readJournal(join(dir, file!));
    expect(records.map((r) => r.kind)).toEqual(['start', 'node', 'reply']);
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3]);
    await store.close();
  });

  it('flushSoon writes what was recorded within FLUSH_SOON_MS, many calls in one write', async () => {
    const dir = await tempDir();
    const store = await Store.open({ dir, logger: captureLogger().logger });
    const [file] = await journalFiles(dir);
    const kinds = async () => (await readJournal(join(dir, file!))).records.map((r) => r.kind);
    for (let i = 0; i < 5; i += 1) {
      store.recordCall('SetResourceValues', [{ node_id: 'pc1', value: i / 10 }]);
      store.flushSoon();
    }
    expect(await kinds()).toEqual(['start']);
    const deadline = Date.now() + FLUSH_SOON_MS + 2_000;
    while ((await kinds()).length < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(await kinds()).toEqual(['start', 'call', 'call', 'call', 'call', 'call']);
    await store.close();
  });

  it('tolerates and reports a torn last line, and keeps appending after it', async () => {
    const dir = await tempDir();
    const store = await Store.open({ dir, logger: captureLogger().logger });
    store.recordNode(record('pc1', 'drained'));
    await store.close();
    const [file] = await journalFiles(dir);
    await appendFile(join(dir, file!), '{"seq":3,"t":1,"kind":"node","nodeId":"pc1","sta');
    const { logger, lines } = captureLogger();
    const reopened = await Store.open({ dir, logger });
    expect(lines.some((l) => l.msg.includes('torn record'))).toBe(true);
    expect(reopened.recovered.get('pc1')?.state).toBe('drained');
    reopened.recordNode(record('pc1', 'deleted'));
    await reopened.close();
    const { records, tornTail } = await readJournal(join(dir, file!));
    expect(tornTail).toBe(false);
    expect(records.slice(-2)).toMatchObject([{ kind: 'node', state: 'deleted' }, { kind: 'stop' }]);
  });

  it('refuses to start on a journal it cannot read', async () => {
    const dir = await tempDir();
    await writeFile(
      join(dir, 'journal-1.jsonl'),
      '{"seq":1,"t":1,"kind":"start"}\nnot json\n{"seq":3,"t":1,"kind":"start"}\n',
    );
    const error = await Store.open({ dir, logger: captureLogger().logger }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JournalCorruptError);
    expect((error as JournalCorruptError).line).toBe(2);
  });

  it('refuses a second agent on the same state directory, and takes over a dead agent’s lock', async () => {
    const dir = await tempDir();
    const store = await Store.open({ dir, logger: captureLogger().logger });
    await expect(Store.open({ dir, logger: captureLogger().logger })).rejects.toMatchObject({ code: 'STATE_LOCKED' });
    await store.close();
    await writeFile(join(dir, 'agent.lock'), '999999999');
    const next = await Store.open({ dir, logger: captureLogger().logger });
    await next.close();
  });

  it('compacts into a snapshot and a new journal file, keeping recovery exact', async () => {
    const dir = await tempDir();
    const store = await Store.open({ dir, logger: captureLogger().logger, compactEvery: 10 });
    for (let i = 0; i < 35; i += 1) {
      store.recordNode(record(`pc${i % 7}`, i < 28 ? 'draining.countdown' : 'drained', i));
      await store.flush();
    }
    await store.close();
    const snapshot = JSON.parse(await readFile(join(dir, 'snapshot.json'), 'utf8')) as {
      seq: number;
      nodes: NodeRecord[];
    };
    expect(snapshot.seq).toBeGreaterThan(10);
    expect((await journalFiles(dir)).length).toBeLessThanOrEqual(3);
    const reopened = await Store.open({ dir, logger: captureLogger().logger });
    expect(reopened.recovered.size).toBe(7);
    for (let n = 0; n < 7; n += 1) expect(reopened.recovered.get(`pc${n}`)?.state).toBe('drained');
    expect(reopened.recovered.get('pc6')?.memory.deadline).toBe(34);
    await reopened.close();
  });
});
