import type { Logger } from 'pino';
import type { OpenJournalFile } from './journal-writer.js';

export interface StoreOptions {
  dir: string;
  logger: Logger;
  now?: () => number;
  /** A snapshot is written and the journal rotated after this many records. */
  compactEvery?: number;
  /** Rotated journal files kept for `history`. */
  keepSegments?: number;
  /** Opens journal files for appending (tests pass one whose writes fail on cue). */
  openFile?: OpenJournalFile;
  /** First and longest wait between background retries of a failed journal write. */
  retryMs?: { first: number; max: number };
}

export type Settings = StoreOptions & Required<Pick<StoreOptions, 'compactEvery' | 'keepSegments'>>;

/** How long records no reply rests on may wait in memory before they are written. */
export const FLUSH_SOON_MS = 200;
