import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { nodeMemory } from '../helpers/node-memory.js';

const COMPACT_EVERY = 10;

/** One run of the agent: it starts, writes `records` node records, and stops. */
async function run(dir: string, records: number): Promise<void> {
  const store = await Store.open({ dir, logger: captureLogger().logger, compactEvery: COMPACT_EVERY });
  for (let i = 0; i < records; i += 1) {
    const nodeId = `pc${i % 3}`;
    store.recordNode({
      nodeId,
      clientId: null,
      target: { nodeId, host: 'h', port: 22, user: 'root' },
      state: 'allocated.idle',
      memory: nodeMemory({ value: i }),
    });
    await store.flush();
  }
  await store.close();
}

describe('compaction across restarts', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it('counts the records a restart recovered after the snapshot: an agent restarted often still compacts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dynslice-compact-restarts-'));
    dirs.push(dir);
    // Each run writes fewer records than compactEvery; together, many times more.
    for (let i = 0; i < 8; i += 1) await run(dir, COMPACT_EVERY - 4);
    const names = await readdir(dir);
    expect(names).toContain('snapshot.json');
    expect(names.filter((name) => name.startsWith('journal-')).length).toBeLessThanOrEqual(3);
    const store = await Store.open({ dir, logger: captureLogger().logger });
    try {
      expect([...store.recovered.values()].map((node) => node.memory.value).sort()).toEqual([3, 4, 5]);
    } finally {
      await store.close();
    }
  });
});
