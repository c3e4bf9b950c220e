import { open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { NodeEntry } from '../protocol/client-methods.js';
import type { InterruptedState } from './interrupted-steps.js';
import { JournalCorruptError } from './journal-reader.js';
import type { LifeRecord, NodeRecord } from './records.js';
import { checkStateFormat } from './state-format.js';

export interface Snapshot {
  /** The snapshot's format (state-format.ts). */
  version: number;
  /** The last journal record the snapshot includes. */
  seq: number;
  t: number;
  nodes: NodeRecord[];
  /** The last SetResourceValues entry per node (absent in snapshots of earlier versions). */
  values?: NodeEntry[];
  /** Node_ids outside the slice's nodes, with their life (absent in snapshots of format 1). */
  lives?: LifeRecord[];
  /** Agent deaths per running drain step as of `seq` (absent before: then every segment is read for them). */
  deaths?: InterruptedState;
}

/** Writes a file so that a crash leaves either the old or the new one, never half of either. */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const temp = `${file}.tmp`;
  const handle = await open(temp, 'w', 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, file);
  const dir = await open(join(file, '..'), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

export async function readSnapshot(file: string): Promise<Snapshot | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  let snapshot: Snapshot;
  try {
    snapshot = JSON.parse(text) as Snapshot;
  } catch (error) {
    throw new JournalCorruptError(file, 1, (error as Error).message);
  }
  if (typeof snapshot !== 'object' || snapshot === null || !('version' in snapshot))
    throw new JournalCorruptError(file, 1, 'not a snapshot: no version');
  checkStateFormat(snapshot.version, file, 1);
  if (!Array.isArray(snapshot.nodes) || typeof snapshot.seq !== 'number')
    throw new JournalCorruptError(file, 1, 'not a snapshot: no seq or nodes');
  return snapshot;
}

/** Rotated journal segments (`journal-<seq>.jsonl`), oldest first. */
export async function journalSegments(dir: string): Promise<string[]> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => /^journal-\d+\.jsonl$/.test(n));
  return names.sort((a, b) => Number(a.slice(8, -6)) - Number(b.slice(8, -6))).map((n) => join(dir, n));
}

/** Keeps the newest `keep` segments for `history`; older ones go. */
export async function pruneSegments(dir: string, keep: number): Promise<void> {
  const segments = await journalSegments(dir);
  for (const file of segments.slice(0, Math.max(0, segments.length - keep))) await unlink(file);
}
