import { open, unlink } from 'node:fs/promises';

/** What the writer needs of an open journal file: node's FileHandle has it; tests pass one that fails on cue. */
export interface JournalFileHandle {
  write(data: Uint8Array): Promise<{ bytesWritten: number }>;
  datasync(): Promise<void>;
  truncate(length: number): Promise<void>;
  stat(): Promise<{ size: number }>;
  close(): Promise<void>;
}

/** Opens a journal file for appending, creating it (mode 0600) when absent. */
export type OpenJournalFile = (file: string) => Promise<JournalFileHandle>;

export const openForAppend: OpenJournalFile = (file) => open(file, 'a', 0o600);

export interface JournalWriterOptions {
  openFile?: OpenJournalFile;
  /** Told the outcome of every write attempt: null when its lines reached the disk. */
  onAttempt?: (error: Error | null) => void;
}

/** A full disk leaves the descriptor sound; after any other error the next attempt opens the file again. */
const HANDLE_STILL_SOUND = new Set(['ENOSPC', 'EDQUOT', 'EFBIG']);

interface Waiter {
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * Appends lines to a file; `flush` resolves once every line appended before it is on disk.
 * Appends that arrive while a flush is writing share the next write and the next fdatasync.
 * A write that fails rejects its flushes at once and keeps its lines for the next attempt, which
 * first cuts the file back to its last durable byte: a half-written batch never stays in the middle.
 */
export class JournalWriter {
  /** Appended and not yet on disk, oldest first. */
  private lines: string[] = [];
  private waiters: Waiter[] = [];
  private writing: Promise<void> | null = null;
  /** Bytes of the file known to be on disk; anything past them comes from a write that failed. */
  private durableBytes: number;
  private dirty = false;
  private closed = false;

  private constructor(
    readonly file: string,
    private handle: JournalFileHandle | null,
    size: number,
    private readonly options: JournalWriterOptions,
  ) {
    this.durableBytes = size;
  }

  static async open(file: string, options: JournalWriterOptions = {}): Promise<JournalWriter> {
    const handle = await (options.openFile ?? openForAppend)(file);
    try {
      return new JournalWriter(file, handle, (await handle.stat()).size, options);
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
  }

  append(line: string): void {
    this.lines.push(`${line}\n`);
  }

  /** Lines appended and not yet on disk. */
  get pending(): number {
    return this.lines.length;
  }

  flush(): Promise<void> {
    if (this.lines.length === 0 && !this.writing) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.writing ??= this.drain();
    });
  }

  /**
   * The writer of the next journal file, once this one holds every line given to it (so lines stay
   * in order across files); null, and no next file, when this one cannot be flushed.
   */
  async successor(file: string, options: JournalWriterOptions): Promise<JournalWriter | null> {
    const next = await JournalWriter.open(file, options);
    if (await this.flushAll(5)) return next;
    await next.close();
    await unlink(file).catch(() => undefined);
    return null;
  }

  /** Flushes until no line is left to write, at most `tries` times; false when a write failed or lines kept coming. */
  async flushAll(tries: number): Promise<boolean> {
    for (let tried = 0; this.lines.length > 0; tried += 1) {
      if (
        tried === tries ||
        !(await this.flush().then(
          () => true,
          () => false,
        ))
      )
        return false;
    }
    return true;
  }

  private async drain(): Promise<void> {
    // Yield first: `writing` is set before this can end.
    await Promise.resolve();
    try {
      while (this.waiters.length > 0) {
        const waiters = this.waiters.splice(0);
        const count = this.lines.length;
        try {
          if (count > 0) await this.write(this.lines.slice(0, count).join(''));
        } catch (error) {
          this.options.onAttempt?.(error as Error);
          for (const waiter of waiters) waiter.reject(error as Error);
          continue;
        }
        this.lines.splice(0, count);
        if (count > 0) this.options.onAttempt?.(null);
        for (const waiter of waiters) waiter.resolve();
      }
    } finally {
      this.writing = null;
    }
  }

  private async write(text: string): Promise<void> {
    if (this.closed) throw new Error(`${this.file}: the journal is closed`);
    const data = Buffer.from(text);
    try {
      const handle = (this.handle ??= await this.reopen());
      if (this.dirty) await handle.truncate(this.durableBytes);
      this.dirty = true;
      for (let written = 0; written < data.length; ) {
        const { bytesWritten } = await handle.write(data.subarray(written));
        if (!(bytesWritten > 0)) throw Object.assign(new Error('the journal file took no bytes'), { code: 'EIO' });
        written += bytesWritten;
      }
      await handle.datasync();
      this.durableBytes += data.length;
      this.dirty = false;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      if (this.handle && !HANDLE_STILL_SOUND.has(code)) {
        const broken = this.handle;
        this.handle = null;
        await broken.close().catch(() => undefined);
      }
      throw error;
    }
  }

  private async reopen(): Promise<JournalFileHandle> {
    const handle = await (this.options.openFile ?? openForAppend)(this.file);
    try {
      const { size } = await handle.stat();
      // Shorter than what was durable: the file was cut outside the agent; append after what is there.
      this.durableBytes = Math.min(this.durableBytes, size);
      this.dirty = size > this.durableBytes;
      return handle;
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
  }

  /** Writes what it can, then closes the file; returns how many lines it could not write. */
  async close(): Promise<number> {
    await this.flush().catch(() => undefined);
    this.closed = true;
    const handle = this.handle;
    this.handle = null;
    if (handle) {
      if (this.dirty) await handle.truncate(this.durableBytes).catch(() => undefined);
      await handle.close().catch(() => undefined);
    }
    return this.lines.length;
  }
}
