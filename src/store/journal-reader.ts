import { readFile } from 'node:fs/promises';
import { CallRecordReader } from './call-records.js';
import { isJournalKind, type JournalRecord, type StoredRecord } from './records.js';
import { checkStateFormat } from './state-format.js';

/** The journal cannot be trusted: refusing to start beats silently forgetting nodes. */
export class JournalCorruptError extends Error {
  readonly code = 'JOURNAL_CORRUPT';
  constructor(
    readonly file: string,
    readonly line: number,
    detail: string,
  ) {
    super(`${file}:${line}: ${detail} (move the file away to start without it)`);
    this.name = 'JournalCorruptError';
  }
}

export interface JournalRead {
  records: JournalRecord[];
  /** Bytes of complete lines; anything after is a torn tail from a crash mid-write. */
  validBytes: number;
  tornTail: boolean;
}

/**
 * Reads a journal file. A last line without its newline is a torn tail from a crash mid-append:
 * it is dropped and reported (no reply ever depended on it: replies wait for the whole line to
 * reach the disk). Any other unreadable line is corruption; a record in a format this release does
 * not read stops the read with a StateFormatError naming it. Calls and replies are read back whole
 * (call-records.ts).
 */
export async function readJournal(file: string): Promise<JournalRead> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], validBytes: 0, tornTail: false };
    throw error;
  }
  const lines = text.split('\n');
  const tail = lines.pop() ?? '';
  const records: JournalRecord[] = [];
  const calls = new CallRecordReader();
  let validBytes = 0;
  for (const [index, line] of lines.entries()) {
    let record: StoredRecord | undefined;
    try {
      record = JSON.parse(line) as StoredRecord;
    } catch {
      record = undefined;
    }
    if (!record || typeof record !== 'object' || typeof record.seq !== 'number' || typeof record.kind !== 'string') {
      throw new JournalCorruptError(file, index + 1, 'unreadable record');
    }
    checkStateFormat(record.v, file, index + 1);
    if (!isJournalKind(record.kind))
      throw new JournalCorruptError(file, index + 1, `unknown record kind ${JSON.stringify(record.kind).slice(0, 40)}`);
    if (record.kind === 'call' || record.kind === 'reply') {
      const whole = calls.read(record);
      if (!whole)
        throw new JournalCorruptError(file, index + 1, `a ${record.kind} that leans on one the file does not hold`);
      records.push(whole);
    } else records.push(record);
    validBytes += Buffer.byteLength(line) + 1;
  }
  return { records, validBytes, tornTail: tail !== '' };
}
