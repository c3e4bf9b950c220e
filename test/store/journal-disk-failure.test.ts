import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, open, rm, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { statusCommand } from '../../src/cli/status-command.js';
import { readHistory } from '../../src/store/history.js';
import type { JournalStatus } from '../../src/store/journal-health.js';
import { readJournal } from '../../src/store/journal-reader.js';
import type { OpenJournalFile } from '../../src/store/journal-writer.js';
import { journalSegments } from '../../src/store/snapshot-file.js';
import { Store } from '../../src/store/store.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { FaultyJournalFiles } from '../helpers/faulty-journal-file.js';
import { NODES, type ObservedAgent, sample, startObservedAgent } from '../observe/observed-agent.js';

type Reply = { code: number; value: { node_id: string; max_wait_time: number }[]; output: string };

/** A countdown call through Python's xmlrpc.client; the whole reply and how long it took. */
async function countdown(
  observed: ObservedAgent,
  nodes: { node_id: string; client_id: string }[],
): Promise<Reply & { ms: number }> {
  const started = Date.now();
  const nodelist = nodes.map((n) => ({ node_id: n.node_id, client_id: n.client_id, max_wait_time: 600 }));
  const reply = (await observed.call('NotifyDeletePending', { nodelist })) as Reply;
  return { ...reply, ms: Date.now() - started };
}

async function journalHealth(
  observed: ObservedAgent,
): Promise<{ metric: number | undefined; errors: number | undefined; api: JournalStatus }> {
  const metrics = (await observed.api('/metrics')).text;
  const { body } = await observed.api<{ journal: JournalStatus }>('/api/nodes');
  return {
    metric: sample(metrics, 'dynslice_journal_healthy'),
    errors: sample(metrics, 'dynslice_journal_write_errors_total'),
    api: body.journal,
  };
}

/** What `dynslice-agent status` prints for this agent. */
async function statusText(observed: ObservedAgent): Promise<string> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk: Buffer) => (text += chunk.toString()));
  await statusCommand(out, {}).exitOverride().parseAsync(['--url', observed.status.url], { from: 'user' });
  return text;
}

const replyRows = async (dir: string) =>
  (await readHistory(dir)).filter((r) => r.kind === 'reply').map((r) => r.detail);

const allDrained = (observed: ObservedAgent, ids: string[]) =>
  vi.waitFor(
    () =>
      expect(ids.map((id) => observed.agent.slice.get(id)!.ensureStarted().getSnapshot().value)).toEqual(
        ids.map(() => 'drained'),
      ),
    { timeout: 10_000 },
  );

describe('countdown replies while the journal cannot be written', () => {
  it('answer SERVERERROR at once, then SUCCESS with the released node once the disk takes writes again; history shows what the cluster got', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dynslice-disk-'));
    const files = new FaultyJournalFiles();
    const { logger, lines } = captureLogger();
    const store = await Store.open({ dir, logger, openFile: files.open });
    const observed = await startObservedAgent({}, undefined, store);
    try {
      const node = NODES.slice(0, 1);
      files.fail('write', 'ENOSPC', Infinity);
      const first = await countdown(observed, node);
      expect(first).toMatchObject({ code: 5, output: expect.stringContaining('cannot write its journal (ENOSPC)') });
      expect(first.ms).toBeLessThan(8_000); // not the 10 s handler timeout
      await allDrained(observed, ['pc101']);
      // The drained state is not on disk: the cluster may not hear "released" yet.
      expect(await countdown(observed, node)).toMatchObject({ code: 5 });
      const failing = await journalHealth(observed);
      expect(failing).toMatchObject({
        metric: 0,
        api: { healthy: false, lastError: expect.stringContaining('ENOSPC') },
      });
      expect(failing.errors).toBeGreaterThanOrEqual(2);
      expect(await statusText(observed)).toMatch(
        /^journal NOT WRITABLE since \d\d:\d\d:\d\d \(ENOSPC: .*\), \d+ records kept in memory/m,
      );

      files.heal();
      const third = await countdown(observed, node);
      expect(third).toMatchObject({ code: 0, value: [{ node_id: 'pc101', max_wait_time: 0 }] });
      const healed = await journalHealth(observed);
      expect(healed).toMatchObject({ metric: 1, api: { healthy: true } });
      expect(healed.api.since).toBeGreaterThanOrEqual(failing.api.since);
      expect(await statusText(observed)).not.toContain('journal');
      expect(lines.filter((l) => l.msg.startsWith('journal write failed'))).toHaveLength(1);
      expect(lines.filter((l) => l.msg.startsWith('journal writable again'))).toHaveLength(1);
      expect(observed.lines.filter((l) => l.msg === 'client endpoint handler failed')).toEqual([]);
    } finally {
      await observed.stop();
      await store.close();
    }
    const replies = await replyRows(dir);
    expect(replies).toEqual([
      expect.stringMatching(/^answered SERVERERROR: .*\(ENOSPC\)/),
      expect.stringMatching(/^answered SERVERERROR: .*\(ENOSPC\)/),
      'released pc101',
    ]);
  });
});

/** Fills the file system under `dir` until it takes no more bytes. */
async function fill(dir: string, limitBytes: number): Promise<string> {
  const file = join(dir, 'filler');
  const handle = await open(file, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (let total = 0; total <= limitBytes; ) {
      const { bytesWritten } = await handle.write(chunk);
      total += bytesWritten;
    }
    throw new Error(`wrote ${limitBytes} bytes and the disk is not full`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    await handle.close();
  }
  return file;
}

describe('a real full disk (a small tmpfs)', () => {
  const SIZE = 1024 * 1024;
  let mountPoint = '';
  let cannotMount = '';

  beforeAll(async () => {
    mountPoint = await mkdtemp(join(tmpdir(), 'dynslice-tmpfs-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${SIZE},mode=0700`, 'dynslice-test', mountPoint], {
        stdio: 'pipe',
      });
    } catch (error) {
      cannotMount = String((error as { stderr?: Buffer }).stderr ?? (error as Error).message).trim();
    }
  });
  afterAll(async () => {
    if (!cannotMount) execFileSync('umount', ['-l', mountPoint]);
    await rmdir(mountPoint).catch(() => undefined);
  });

  it('ENOSPC mid-countdown: SERVERERROR, a quiet agent recovers when space is freed, and the journal has no torn line', async (context) => {
    if (cannotMount)
      context.skip(`no tmpfs can be mounted here (${cannotMount}); the injected-fault test above covers the same path`);
    const dir = join(mountPoint, 'state');
    await mkdir(dir);
    const { logger, lines } = captureLogger();
    // Real files; only watched, for the short write a filling disk makes.
    const shortWrites: number[] = [];
    const openFile: OpenJournalFile = async (file) => {
      const handle = await open(file, 'a', 0o600);
      return {
        write: async (data) => {
          const result = await handle.write(data);
          if (result.bytesWritten < data.length) shortWrites.push(result.bytesWritten);
          return result;
        },
        datasync: () => handle.datasync(),
        truncate: (length) => handle.truncate(length),
        stat: () => handle.stat(),
        close: () => handle.close(),
      };
    };
    const store = await Store.open({ dir, logger, openFile, retryMs: { first: 100, max: 500 } });
    // Enough nodes that the call's record alone (≈ 6 KB) needs more than the page the journal has begun.
    const nodes = Array.from({ length: 100 }, (_, i) => ({
      node_id: `pc${200 + i}`,
      client_id: `node${200 + i}`,
      host: `n${i}.example.test`,
    }));
    const observed = await startObservedAgent({ nodes }, undefined, store);
    try {
      const filler = await fill(mountPoint, SIZE * 2);
      const failed = await countdown(observed, nodes);
      expect(failed).toMatchObject({ code: 5, output: expect.stringContaining('(ENOSPC)') });
      expect(failed.ms).toBeLessThan(8_000);
      // The disk took part of the batch (a short write) before it refused the rest.
      expect(shortWrites.length).toBeGreaterThan(0);
      await allDrained(
        observed,
        nodes.map((n) => n.node_id),
      );
      expect(store.journalStatus.healthy).toBe(false);

      await rm(filler);
      // No call prompts it: the background retry writes what was kept.
      await vi.waitFor(() => expect(store.journalStatus.healthy).toBe(true), { timeout: 15_000 });
      const released = await countdown(observed, nodes);
      expect(released.code).toBe(0);
      expect(released.value.filter((n) => n.max_wait_time === 0)).toHaveLength(nodes.length);
      expect(lines.filter((l) => l.msg.startsWith('journal write failed'))).toHaveLength(1);
    } finally {
      await observed.stop();
      await store.close();
    }
    for (const file of await journalSegments(dir)) expect((await readJournal(file)).tornTail).toBe(false);
    const replies = await replyRows(dir);
    expect(replies[0]).toMatch(/^answered SERVERERROR: .*\(ENOSPC\)/);
    expect(replies.slice(1)).toEqual([`released ${nodes.map((n) => n.node_id).join(' ')}`]);
  });
});
