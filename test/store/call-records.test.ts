import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NodeEntry } from '../../src/protocol/client-methods.js';
import { CallRecordReader, CallRecordWriter, type StoredCall, type StoredReply } from '../../src/store/call-records.js';
import { JournalCorruptError, readJournal } from '../../src/store/journal-reader.js';

const countdown = (wait: number, ids = ['pc1', 'pc2', 'pc3']): NodeEntry[] =>
  ids.map((id, i) => ({ node_id: id, client_id: `node${i}`, max_wait_time: wait }));

/** Writes records as the store does (seq from 1), then reads them back as a reader of the file would. */
function roundTrip(steps: Array<['call', NodeEntry[]] | ['reply', string[]]>) {
  const writer = new CallRecordWriter();
  const stored: Array<(StoredCall | StoredReply) & { seq: number }> = [];
  for (const [kind, data] of steps) {
    const record =
      kind === 'call'
        ? writer.call('NotifyDeletePending', data as NodeEntry[])
        : writer.reply('NotifyDeletePending', data as string[]);
    const seq = stored.length + 1;
    writer.wrote(record, seq);
    stored.push({ ...record, seq });
  }
  const reader = new CallRecordReader();
  const read = stored.map((record) => reader.read(JSON.parse(JSON.stringify(record))));
  return { stored, read };
}

describe('calls and replies as the journal keeps them', () => {
  it('keeps a countdown that only counts down as "as call N, shifted", and reads it back whole', () => {
    const { stored, read } = roundTrip([
      ['call', countdown(600)],
      ['call', countdown(540)],
      ['call', countdown(480)],
      ['call', countdown(480)],
    ]);
    expect(stored[1]).toEqual({ kind: 'call', method: 'NotifyDeletePending', asCall: 1, shift: -60, seq: 2 });
    expect(stored[3]).toEqual({ kind: 'call', method: 'NotifyDeletePending', asCall: 3, seq: 4 });
    expect(read.map((r) => r?.kind === 'call' && r.nodes)).toEqual([
      countdown(600),
      countdown(540),
      countdown(480),
      countdown(480),
    ]);
  });

  it('keeps a call whole when anything but one shift changed', () => {
    const moved = countdown(540);
    moved[1] = { ...moved[1]!, max_wait_time: 500 };
    const cases: NodeEntry[][] = [
      moved,
      countdown(540, ['pc1', 'pc2']),
      countdown(540, ['pc1', 'pc3', 'pc2']),
      countdown(540).map((e, i) => (i === 0 ? { ...e, client_id: 'other' } : e)),
      countdown(540).map((e, i) => (i === 2 ? { node_id: e.node_id, client_id: e.client_id } : e)),
      countdown(540).map((e, i) => (i === 2 ? { ...e, component_urn: 'urn:publicid:x' } : e)),
    ];
    for (const nodes of cases) {
      const { stored, read } = roundTrip([
        ['call', countdown(600)],
        ['call', nodes],
      ]);
      expect(stored[1]).toMatchObject({ nodes });
      expect(read[1]).toMatchObject({ nodes });
    }
  });

  it('keeps a reply as the one before with what it adds and drops, and reads the same node_ids back', () => {
    const ids = Array.from({ length: 40 }, (_, i) => `pc${i}`);
    const { stored, read } = roundTrip([
      ['reply', ids.slice(0, 20)],
      ['reply', ids.slice(0, 20)],
      ['reply', ids.slice(1, 24)],
      ['reply', []],
      ['reply', ids],
    ]);
    expect(stored[1]).toEqual({ kind: 'reply', method: 'NotifyDeletePending', asReply: 1, seq: 2 });
    expect(stored[2]).toMatchObject({ asReply: 2, add: ['pc20', 'pc21', 'pc22', 'pc23'], drop: ['pc0'] });
    expect(stored[4]).toMatchObject({ released: ids });
    const sets = read.map((r) => (r?.kind === 'reply' ? [...r.released].sort() : null));
    expect(sets).toEqual(
      [ids.slice(0, 20), ids.slice(0, 20), ids.slice(1, 24), [], ids].map((list) => [...list].sort()),
    );
  });

  it('never leans on an error reply, nor writes one short', () => {
    const writer = new CallRecordWriter();
    const first = writer.reply('NotifyDeletePending', ['pc1']);
    writer.wrote(first, 1);
    expect(writer.reply('NotifyDeletePending', [], 'disk full')).toEqual({
      kind: 'reply',
      method: 'NotifyDeletePending',
      released: [],
      error: 'disk full',
    });
  });

  it('starts over after reset: the first records of a new journal file are whole', () => {
    const writer = new CallRecordWriter();
    writer.wrote(writer.call('NotifyDeletePending', countdown(600)), 1);
    writer.reset();
    expect(writer.call('NotifyDeletePending', countdown(540))).toMatchObject({ nodes: countdown(540) });
  });

  it('a file whose record leans on one it does not hold is refused as corrupt, naming the line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dynslice-calls-'));
    const file = join(dir, 'journal-7.jsonl');
    const line = (r: object) => `${JSON.stringify({ v: 3, t: 1, ...r })}\n`;
    await writeFile(
      file,
      line({ seq: 7, kind: 'call', method: 'NotifyDeletePending', nodes: countdown(600) }) +
        line({ seq: 8, kind: 'call', method: 'NotifyDeletePending', asCall: 6, shift: -60 }),
    );
    const error = await readJournal(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JournalCorruptError);
    expect((error as Error).message).toContain('journal-7.jsonl:2: a call that leans on one the file does not hold');
  });
});
