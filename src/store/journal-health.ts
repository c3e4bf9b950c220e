import type { Logger } from 'pino';
import { ServerUnavailableError } from '../protocol/codes.js';

/** Whether the journal takes writes, for the status API and /metrics. */
export interface JournalStatus {
  healthy: boolean;
  /** The last write error (kept after a recovery), e.g. `ENOSPC: no space left on device, write`. */
  lastError: string | null;
  /** Epoch ms since which `healthy` has held. */
  since: number;
  /** Write attempts that failed since the agent started. */
  writeErrors: number;
  /** Records kept in memory until the disk takes them. */
  unwritten: number;
}

/** A reply that rests on records the disk did not take: the cluster is told the agent cannot answer now. */
export class JournalUnwritableError extends ServerUnavailableError {
  override readonly name = 'JournalUnwritableError';
  readonly code = 'JOURNAL_UNWRITABLE';
  constructor(cause: unknown) {
    const code = (cause as NodeJS.ErrnoException | undefined)?.code;
    super(`the agent cannot write its journal${code ? ` (${code})` : ''}; it keeps the records and retries`, { cause });
  }
}

export interface JournalHealthDeps {
  logger: Logger;
  now: () => number;
  /** Writes what is queued; called by the background retry. */
  retry: () => Promise<unknown>;
  /** Records waiting for the disk. */
  unwritten: () => number;
  /** First and longest wait between background retries. */
  retryMs: { first: number; max: number };
}

/** While the journal fails, a reminder at most this often (failures in between are counted, not logged). */
const REMIND_MS = 60_000;

/**
 * Follows the journal's write attempts: one loud log line when writes start failing, a reminder a
 * minute, one when they succeed again; a background retry with backoff, so that an agent no call
 * reaches still writes what it kept once the disk recovers.
 */
export class JournalHealth {
  private readonly state: Omit<JournalStatus, 'unwritten'>;
  /** Failures since the last log line, and since writes started failing. */
  private failuresSinceLog = 0;
  private failuresSinceHealthy = 0;
  private loggedAt = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private retryDelay: number;

  constructor(private readonly deps: JournalHealthDeps) {
    this.state = { healthy: true, lastError: null, since: deps.now(), writeErrors: 0 };
    this.retryDelay = deps.retryMs.first;
  }

  get status(): JournalStatus {
    return { ...this.state, unwritten: this.deps.unwritten() };
  }

  /** The outcome of one write attempt: null when it reached the disk. */
  readonly onAttempt = (error: Error | null): void => {
    if (error === null) this.succeeded();
    else this.failed(error);
  };

  /** No more retries: the journal is closing. */
  stop(): void {
    this.stopped = true;
    this.cancelRetry();
  }

  private cancelRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private failed(error: Error): void {
    const now = this.deps.now();
    const { logger } = this.deps;
    this.state.writeErrors += 1;
    this.state.lastError = error.message;
    this.failuresSinceLog += 1;
    this.failuresSinceHealthy += 1;
    if (this.state.healthy) {
      Object.assign(this.state, { healthy: false, since: now });
      this.failuresSinceLog = 0;
      this.failuresSinceHealthy = 1;
      this.loggedAt = now;
      logger.error(
        { err: error, unwritten: this.deps.unwritten() },
        'journal write failed: replies that rest on unwritten node states answer SERVERERROR until the disk ' +
          'takes them; retrying',
      );
    } else if (now - this.loggedAt >= REMIND_MS) {
      logger.error(
        {
          code: (error as NodeJS.ErrnoException).code,
          failures: this.failuresSinceLog,
          failingSeconds: Math.round((now - this.state.since) / 1000),
          unwritten: this.deps.unwritten(),
        },
        'journal still cannot be written',
      );
      this.failuresSinceLog = 0;
      this.loggedAt = now;
    }
    this.scheduleRetry();
  }

  private succeeded(): void {
    this.cancelRetry();
    this.retryDelay = this.deps.retryMs.first;
    if (this.state.healthy) return;
    const now = this.deps.now();
    this.deps.logger.warn(
      {
        failedSeconds: Math.round((now - this.state.since) / 1000),
        failures: this.failuresSinceHealthy,
        lastError: this.state.lastError,
      },
      'journal writable again: the records kept meanwhile are on disk',
    );
    Object.assign(this.state, { healthy: true, since: now });
  }

  private scheduleRetry(): void {
    if (this.retryTimer || this.stopped) return;
    const delay = this.retryDelay;
    this.retryDelay = Math.min(this.deps.retryMs.max, delay * 2);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.deps.retry().catch(() => undefined);
    }, delay);
    this.retryTimer.unref();
  }
}
