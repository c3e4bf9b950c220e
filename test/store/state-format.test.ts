import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAgent } from '../../src/agent.js';
import { parseConfig } from '../../src/config/load-config.js';
import { stateName } from '../../src/slice/node-actor.js';
import { JournalCorruptError } from '../../src/store/journal-reader.js';
import { StateFormatError } from '../../src/store/state-format.js';
import { Store } from '../../src/store/store.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { runCli } from '../helpers/cli-process.js';
import { FakeSshRunner } from '../helpers/fake-ssh-runner.js';
import { callWithPython } from '../helpers/xmlrpc-python.js';

/** A state directory written by the first release (journal records without `v`, a snapshot, two segments). */
const FIXTURE = join(import.meta.dirname, '../fixtures/state-v1');
const NODES = [1, 2, 3, 4, 5].map((i) => ({
  node_id: `pc10${i}`,
  client_id: `node${i}`,
  host: `node${i}.exp.proj.utah.cloudlab.us`,
}));

describe('state formats across releases', () => {
  const dirs: string[] = [];
  const scratch = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dynslice-state-format-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });
  const copyOfFixture = async () => {
    const dir = await scratch();
    await cp(FIXTURE, dir, { recursive: true });
    return dir;
  };
  const open = (dir: string) => Store.open({ dir, logger: captureLogger().logger });
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => null,
      (e: unknown) => e,
    );

  it('a state directory of the first release is restored: every node, its state, memory and value', async () => {
    const dir = await copyOfFixture();
    const store = await open(dir);
    try {
      const states = Object.fromEntries([...store.recovered.values()].map((n) => [n.nodeId, n.state]));
      expect(states).toEqual({ pc101: 'drained', pc102: 'draining.countdown', pc103: 'held', pc104: 'deleted' });
      expect(store.recovered.get('pc103')!.memory.failure).toMatch(/^stop-jobs: /);
      expect(store.recovered.get('pc102')!.memory).toMatchObject({
        deadline: expect.any(Number),
        maxWaitTime: 315360000,
        incarnation: 1,
      });
      const values = Object.fromEntries(store.recoveredValues.map((e) => [e.node_id, e.value]));
      expect(values).toMatchObject({ pc101: 0.2, pc102: 0.4, pc105: 0.15, pc106: 0.7 });
    } finally {
      await store.close();
    }
    // What this release appends carries its format.
    const journal = (await readFile(join(dir, 'journal-29.jsonl'), 'utf8')).trim().split('\n');
    expect(JSON.parse(journal.at(-1)!)).toMatchObject({ v: 3, kind: 'stop' });
    expect(JSON.parse(journal[0]!)).not.toHaveProperty('v');
  });

  it('an agent started on it answers the countdown from the restored nodes', async () => {
    const dir = await copyOfFixture();
    const config = parseConfig(
      {
        endpoint: { listen: '127.0.0.1:0' },
        nodes: NODES,
        hostTemplate: '{client_id}.exp.proj.utah.cloudlab.us',
        state: { dir },
      },
      'fixture',
      dir,
    );
    const { logger } = captureLogger();
    const store = await Store.open({ dir, logger });
    const runner = new FakeSshRunner();
    runner.defaultAnswer = 'hang';
    const agent = createAgent({ config, logger, runner, store });
    try {
      const { url } = await agent.listen(0, '127.0.0.1');
      expect(stateName(agent.slice.get('pc101')!.ensureStarted().getSnapshot().value)).toBe('drained');
      expect(stateName(agent.slice.get('pc103')!.ensureStarted().getSnapshot().value)).toBe('held');
      const nodelist = [1, 2, 3].map((i) => ({ node_id: `pc10${i}`, client_id: `node${i}`, max_wait_time: 300 }));
      const [outcome] = await callWithPython(url, [{ method: 'NotifyDeletePending', params: [{ nodelist }] }]);
      expect(outcome?.result).toMatchObject({
        code: 0,
        value: [
          { node_id: 'pc101', max_wait_time: 0 },
          { node_id: 'pc102', max_wait_time: 300 },
          { node_id: 'pc103', max_wait_time: 300 },
        ],
      });
    } finally {
      await agent.close();
      await store.close();
    }
  });

  it.each([
    [
      'a journal record of a newer format',
      (dir: string) =>
        writeFile(join(dir, 'journal-29.jsonl'), '{"v":4,"seq":36,"t":1,"kind":"start","pid":1,"recovered":0}\n', {
          flag: 'a',
        }),
      'journal-29.jsonl:8: state format 4',
      'newer dynslice-agent',
    ],
    [
      'a journal record of an unknown format',
      (dir: string) =>
        writeFile(join(dir, 'journal-29.jsonl'), '{"v":"1.5","seq":36,"t":1,"kind":"stop"}\n', { flag: 'a' }),
      'journal-29.jsonl:8: state format "1.5"',
      '(unknown)',
    ],
    [
      'a snapshot of a newer format',
      async (dir: string) => {
        const snapshot = JSON.parse(await readFile(join(dir, 'snapshot.json'), 'utf8')) as Record<string, unknown>;
        await writeFile(join(dir, 'snapshot.json'), JSON.stringify({ ...snapshot, version: 5 }));
      },
      'snapshot.json:1: state format 5',
      'newer dynslice-agent',
    ],
  ])('%s is refused, naming the file, line and version, never guessed at', async (_what, spoil, where, why) => {
    const dir = await copyOfFixture();
    await spoil(dir);
    const error = await failure(open(dir));
    expect(error).toBeInstanceOf(StateFormatError);
    expect((error as Error).message).toContain(where);
    expect((error as Error).message).toContain(why);
    // The lock was let go: the directory stays usable once the cause is dealt with.
    await writeFile(join(dir, 'probe'), '');
  });

  it('a record of a kind format 1 does not have is corruption, not skipped', async () => {
    const dir = await copyOfFixture();
    await writeFile(join(dir, 'journal-29.jsonl'), '{"v":1,"seq":36,"t":1,"kind":"migrate"}\n', { flag: 'a' });
    const error = await failure(open(dir));
    expect(error).toBeInstanceOf(JournalCorruptError);
    expect((error as Error).message).toContain('journal-29.jsonl:8: unknown record kind "migrate"');
  });

  it('run and history refuse a newer format with exit 1 and the message, never a stack trace', async () => {
    const dir = await copyOfFixture();
    await writeFile(join(dir, 'journal-29.jsonl'), '{"v":4,"seq":36,"t":1,"kind":"stop"}\n', { flag: 'a' });
    const file = join(dir, 'agent.yaml');
    await writeFile(file, `endpoint: { listen: "127.0.0.1:0" }\nnodes: []\nstate: { dir: ${dir} }\n`);
    for (const args of [
      ['run', '-c', file],
      ['history', '-c', file],
    ]) {
      const result = await runCli(args);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        /^dynslice-agent: .*journal-29\.jsonl:8: state format 4 is not one this release reads \(it reads 1, 2, 3\), written by a newer dynslice-agent/,
      );
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
