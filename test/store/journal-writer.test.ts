import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJournal } from '../../src/store/journal-reader.js';
import { JournalWriter } from '../../src/store/journal-writer.js';
import { FaultyJournalFiles } from '../helpers/faulty-journal-file.js';

const line = (seq: number) => JSON.stringify({ seq, t: 1, kind: 'start', pid: 1, recovered: 0 });
const lines = (...seqs: number[]) => seqs.map((seq) => `${line(seq)}\n`).join('');

/** A flush that has not settled within 5 s counts as hung (the handler timeout is 10 s). */
const settled = (flush: Promise<void>): Promise<PromiseSettledResult<void>> => {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(new Error('flush still waiting after 5 s')), 5_000)),
  );
  return Promise.race([flush, hung])
    .then(
      (value) => ({ status: 'fulfilled' as const, value }),
      (reason: unknown) => {
        if (reason instanceof Error && reason.message.includes('still waiting')) throw reason;
        return { status: 'rejected' as const, reason };
      },
    )
    .finally(() => clearTimeout(timer));
};
const codeOf = (outcome: PromiseSettledResult<void>) =>
  outcome.status === 'rejected' ? (outcome.reason as NodeJS.ErrnoException).code : 'written';

async function faultyWriter() {
  const file = join(await mkdtemp(join(tmpdir(), 'dynslice-writer-')), 'journal-1.jsonl');
  const files = new FaultyJournalFiles();
  const attempts: string[] = [];
  const writer = await JournalWriter.open(file, {
    openFile: files.open,
    onAttempt: (error) => attempts.push(error ? String((error as NodeJS.ErrnoException).code) : 'ok'),
  });
  return { file, files, writer, attempts, content: () => readFile(file, 'utf8') };
}

describe('the journal writer on a failing disk', () => {
  it('rejects every flush waiting on a failed write at once, and writes the same lines with the next flush', async () => {
    const { files, writer, attempts, content } = await faultyWriter();
    files.fail('write', 'ENOSPC');
    writer.append(line(1));
    writer.append(line(2));
    const outcomes = await Promise.all([settled(writer.flush()), settled(writer.flush())]);
    expect(outcomes.map(codeOf)).toEqual(['ENOSPC', 'ENOSPC']);
    expect(await content()).toBe('');
    expect(writer.pending).toBe(2);

    writer.append(line(3));
    expect(codeOf(await settled(writer.flush()))).toBe('written');
    expect(await content()).toBe(lines(1, 2, 3));
    expect(writer.pending).toBe(0);
    expect(attempts).toEqual(['ENOSPC', 'ok']);
    await writer.close();
  });

  it('cuts a short write back to the last durable byte before it retries: no torn line in the middle', async () => {
    const { files, writer, content, file } = await faultyWriter();
    writer.append(line(1));
    await writer.flush();
    files.fail('write', 'ENOSPC', 1, { partialBytes: 9 });
    writer.append(line(2));
    writer.append(line(3));
    expect(codeOf(await settled(writer.flush()))).toBe('ENOSPC');
    expect(await content()).toBe(`${line(1)}\n${line(2).slice(0, 9)}`);

    writer.append(line(4));
    await writer.flush();
    expect(await content()).toBe(lines(1, 2, 3, 4));
    expect((await readJournal(file)).tornTail).toBe(false);
    await writer.close();
  });

  it('opens the file again after EIO, and writes each line once when the disk answers again', async () => {
    const { files, writer, content } = await faultyWriter();
    files.fail('datasync', 'EIO', 3);
    writer.append(line(1));
    for (let i = 0; i < 3; i += 1) expect(codeOf(await settled(writer.flush()))).toBe('EIO');
    writer.append(line(2));
    await writer.flush();
    // Each failed datasync left the bytes in the file; each retry cut them away first.
    expect(await content()).toBe(lines(1, 2));
    expect(files.opens).toBe(4);
    await writer.close();
  });

  it('keeps trying to open the file again while that fails too', async () => {
    const { files, writer, content } = await faultyWriter();
    files.fail('write', 'EBADF');
    files.fail('open', 'EIO');
    writer.append(line(1));
    expect(codeOf(await settled(writer.flush()))).toBe('EBADF');
    expect(codeOf(await settled(writer.flush()))).toBe('EIO');
    await writer.flush();
    expect(await content()).toBe(lines(1));
    expect(files.failures).toEqual(['write EBADF', 'open EIO']);
    await writer.close();
  });
});
