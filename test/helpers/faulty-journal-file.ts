import { open } from 'node:fs/promises';
import type { JournalFileHandle, OpenJournalFile } from '../../src/store/journal-writer.js';

type Operation = 'open' | 'write' | 'datasync' | 'truncate';

interface Fault {
  code: string;
  /** How many more operations fail. */
  left: number;
  /** A write first takes this many bytes (a short write), then the next one fails. */
  partialBytes?: number;
}

const errnoError = (code: string, operation: Operation): NodeJS.ErrnoException =>
  Object.assign(new Error(`${code}: injected fault, ${operation}`), { code, syscall: operation });

/**
 * Journal files on a real disk whose operations fail on cue, as a full or failing disk makes them:
 * `fail('write', 'ENOSPC')` once, `fail('datasync', 'EIO', Infinity)` until `heal()`.
 */
export class FaultyJournalFiles {
  /** How many times a file was opened (the writer opens again after a broken descriptor). */
  opens = 0;
  /** Operations that failed, in order. */
  readonly failures: string[] = [];
  private readonly faults = new Map<Operation, Fault>();

  fail(operation: Operation, code: string, times = 1, options: { partialBytes?: number } = {}): void {
    this.faults.set(operation, { code, left: times, ...options });
  }

  heal(): void {
    this.faults.clear();
  }

  readonly open: OpenJournalFile = async (file) => {
    this.check('open');
    this.opens += 1;
    const handle = await open(file, 'a', 0o600);
    const faulty: JournalFileHandle = {
      write: async (data) => {
        const fault = this.faults.get('write');
        if (fault?.partialBytes !== undefined && fault.left > 0) {
          const bytesWritten = Math.min(fault.partialBytes, data.length - 1);
          await handle.write(data.subarray(0, bytesWritten));
          fault.partialBytes = undefined;
          return { bytesWritten };
        }
        this.check('write');
        return handle.write(data);
      },
      datasync: async () => {
        this.check('datasync');
        await handle.datasync();
      },
      truncate: async (length) => {
        this.check('truncate');
        await handle.truncate(length);
      },
      stat: () => handle.stat(),
      close: () => handle.close(),
    };
    return faulty;
  };

  private check(operation: Operation): void {
    const fault = this.faults.get(operation);
    if (!fault || fault.left <= 0) return;
    fault.left -= 1;
    this.failures.push(`${operation} ${fault.code}`);
    throw errnoError(fault.code, operation);
  }
}
