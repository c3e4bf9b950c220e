import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { journalSegments } from '../../src/store/snapshot-file.js';

/**
 * The targets of issue 22 ("Weeks, not minutes"), for a 1,000-node slice: a countdown repeated
 * unchanged costs at most 1 KiB of journal, and a day at one countdown a minute leaves at most
 * 10 MiB in the state directory once compacted. The soak scales them to its slice.
 */
export const TARGET = {
  nodes: 1_000,
  repeatedCountdownBytes: 1_024,
  countdownsPerDay: 1_440,
  dayBytes: 10 * 1_048_576,
} as const;

/**
 * What the checks allow, as a multiple of the target. A repeated countdown costs about 206 B whatever
 * the slice's size, so its cost scaled to 1,000 nodes from a small slice overstates it: 2× leaves
 * room for that; the state directory is held to its target. The soak prints what it measures.
 */
export const REPEATED_COUNTDOWN_ALLOWANCE = 2;
export const STATE_DIR_ALLOWANCE = 1;

/**
 * Heap a node may cost once the month has run (measured after a full GC): its state machine (about
 * 5 KiB), its timeline (64 entries at most) and the model's record of it.
 */
export const HEAP_PER_NODE_BYTES = 16 * 1_024;
/** Heap the month may cost beyond its nodes: nothing may grow with calls, restarts or incarnations. */
export const HEAP_GROWTH_BYTES = 8 * 1_048_576;

export const heapGrowthBound = (nodes: number): number => nodes * HEAP_PER_NODE_BYTES + HEAP_GROWTH_BYTES;

/**
 * The journal bytes a repeated countdown of `entries` nodes may cost: the target holds for any call
 * up to the target's 1,000 nodes, and grows with larger ones.
 */
export function repeatedCountdownBound(entries: number, allowance = REPEATED_COUNTDOWN_ALLOWANCE): number {
  return Math.ceil(TARGET.repeatedCountdownBytes * Math.max(1, entries / TARGET.nodes)) * allowance;
}

/** The state directory a slice of `nodes` may hold at any time: a target day of it, compacted. */
export function stateDirBound(nodes: number, allowance = STATE_DIR_ALLOWANCE): number {
  return Math.ceil((TARGET.dayBytes * nodes) / TARGET.nodes) * allowance;
}

/** A repeated countdown's journal bytes as if it named the target's 1,000 nodes (the record grows with its entries today). */
export const perTargetSlice = (bytes: number, entries: number): number => (bytes * TARGET.nodes) / entries;

/** Total bytes of the files of a state directory (it has no subdirectories), of its journal segments and snapshot. */
export async function stateDirBytes(
  dir: string,
): Promise<{ total: number; journal: number; snapshot: number; segments: number }> {
  const sizes = { total: 0, journal: 0, snapshot: 0, segments: 0 };
  for (const name of await readdir(dir)) {
    const size = await stat(join(dir, name)).then(
      (s) => s.size,
      () => 0, // renamed or pruned meanwhile
    );
    sizes.total += size;
    if (/^journal-\d+\.jsonl$/.test(name)) {
      sizes.journal += size;
      sizes.segments += 1;
    }
    if (name === 'snapshot.json') sizes.snapshot += size;
  }
  return sizes;
}

/** Records the journal segments keep now, and the number (seq) of the last one written. */
export async function journalRecords(dir: string): Promise<{ kept: number; lastSeq: number }> {
  let kept = 0;
  let last = '';
  for (const file of await journalSegments(dir)) {
    const lines = (await readFile(file, 'utf8')).split('\n').filter((line) => line !== '');
    kept += lines.length;
    last = lines.at(-1) ?? last;
  }
  return { kept, lastSeq: last === '' ? 0 : (JSON.parse(last) as { seq: number }).seq };
}

let collect: (() => void) | undefined;

/** The process's memory after a full garbage collection (exposed at run time when node ran without --expose-gc). */
export function memoryAfterGc(): NodeJS.MemoryUsage {
  if (collect === undefined) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  collect();
  collect();
  return process.memoryUsage();
}

export const mib = (bytes: number): string => `${(bytes / 1_048_576).toFixed(1)} MiB`;
