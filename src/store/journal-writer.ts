import { type FileHandle, open } from 'node:fs/promises';

/**
 * Appends lines to a file; `flush` resolves once every line appended before it is on disk.
 * Appends that arrive while a flush is writing share the next write and the next fdatasync.
 */
export class JournalWriter {
  private queued: string[] = [];
  private flushing: Promise<void> | null = null;
  private waiters: (() => void)[] = [];
  private failed: Error | null = null;

  private constructor(private readonly handle: FileHandle) {}

  static async open(file: string): Promise<JournalWriter> {
    return new JournalWriter(await open(file, 'a', 0o600));
  }

  append(line: string): void {
    this.queued.push(`${line}\n`);
  }

  get pending(): boolean {
    return this.queued.length > 0;
  }

  async flush(): Promise<void> {
    if (this.failed) throw this.failed;
    if (this.queued.length === 0 && !this.flushing) return;
    await new Promise<void>((resolve) => {
      this.waiters.push(resolve);
      this.flushing ??= this.drain();
    });
    if (this.failed) throw this.failed;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queued.length > 0) {
        const batch = this.queued.join('');
        const waiters = this.waiters;
        this.queued = [];
        this.waiters = [];
        await this.handle.write(batch);
        await this.handle.datasync();
        for (const wake of waiters) wake();
      }
    } catch (error) {
      this.failed = error as Error;
    } finally {
      for (const wake of this.waiters.splice(0)) wake();
      this.flushing = null;
    }
  }

  async close(): Promise<void> {
    await this.flush().catch(() => undefined);
    await this.handle.close();
  }
}
