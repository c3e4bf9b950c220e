import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CommandRecord } from '../../src/store/records.js';
import { Store } from '../../src/store/store.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { nodeMemory } from '../helpers/node-memory.js';

const dirs: string[] = [];
const STEP = { nodeId: 'pc1', incarnation: 1, rung: 'graceful', stepIndex: 0 } as const;
const started: CommandRecord = { ...STEP, step: 'stop-jobs', phase: 'run', state: 'started' };

async function freshDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dynslice-crash-counts-'));
  dirs.push(dir);
  return dir;
}

/** The state directory as the disk holds it now, in a new directory: what a crash leaves. */
async function crashCopy(from: string): Promise<string> {
  const to = await freshDir();
  for (const name of await readdir(from)) {
    await copyFile(join(from, name), join(to, name)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
  return to;
}

/** A run of the agent that starts the step, writes `records` more (compacting), then dies while the step runs. */
async function runThatDies(dir: string, records: number): Promise<string> {
  const { logger } = captureLogger();
  const store = await Store.open({ dir, logger, compactEvery: 20, keepSegments: 2 });
  store.recordCommand(started);
  for (let i = 0; i < records; i += 1) {
    store.recordNode({
      nodeId: `pc${100 + i}`,
      clientId: null,
      target: { nodeId: `pc${100 + i}`, host: 'h', port: 22, user: 'root' },
      state: 'allocated.idle',
      memory: nodeMemory({}),
    });
    if (i % 10 === 0) await store.flush();
  }
  await store.flush();
  // Let a compaction under way finish: a crash then leaves its snapshot and pruned segments.
  await new Promise((resolve) => setTimeout(resolve, 100));
  await store.flush();
  const crashed = await crashCopy(dir);
  await store.close();
  return crashed;
}

describe('deaths counted while a drain step ran survive compaction', () => {
  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('counts every death of a step, however many records came between (segments pruned)', async () => {
    let dir = await freshDir();
    for (let death = 1; death <= 3; death += 1) {
      dir = await runThatDies(dir, 120);
      const { logger } = captureLogger();
      const store = await Store.open({ dir, logger, compactEvery: 20, keepSegments: 2 });
      try {
        expect(store.interrupted.count(STEP)).toBe(death);
        expect(store.interrupted.culprits('pc1', 1, 3)).toEqual(death >= 3 ? [{ rung: 'graceful', stepIndex: 0 }] : []);
        const segments = (await readdir(dir)).filter((name) => name.startsWith('journal-'));
        expect(segments.length).toBeLessThanOrEqual(3);
      } finally {
        await store.close();
      }
    }
  });
});
