import type { NodeEntry } from '../protocol/client-methods.js';

/**
 * Calls and replies as the journal keeps them. The cluster repeats its countdown every minute with
 * the same nodes, each `max_wait_time` a minute shorter, and gets the same answer: journaled whole,
 * a 1,000-node slice would write some 70 KB a minute that says nothing new. So a call that names the
 * same nodes in the same order as the previous call of its method, every `max_wait_time` moved by
 * the same number of seconds and nothing else changed, is kept as "as call N, shifted by S"; a reply
 * as the previous reply of its method with the node_ids it adds and drops. Every journal file starts
 * with whole records (the writer forgets what came before at each new file and at each start), so a
 * file reads on its own, and its reader rebuilds every call and reply exactly.
 */
export type StoredCall =
  | { kind: 'call'; method: string; nodes: NodeEntry[]; refused?: string }
  | { kind: 'call'; method: string; asCall: number; shift?: number };

export type StoredReply =
  | { kind: 'reply'; method: string; released: string[]; error?: string }
  | { kind: 'reply'; method: string; asReply: number; add?: string[]; drop?: string[] };

/** A call or reply as the rest of the agent reads it: whole. */
export interface WholeCall {
  kind: 'call';
  method: string;
  nodes: NodeEntry[];
  refused?: string;
}
export interface WholeReply {
  kind: 'reply';
  method: string;
  released: string[];
  error?: string;
}

interface LastCall {
  seq: number;
  /** The last whole call of the method; the calls since are it shifted by `shift` seconds. */
  base: NodeEntry[];
  shift: number;
}

interface LastReply {
  seq: number;
  released: string[];
}

/**
 * The shift that turns `before` into `after`, or null when they differ otherwise: same length,
 * node_id, client_id, component_urn and value at each place, and max_wait_time either absent from
 * both or moved by one shift for all.
 */
function uniformShift(before: readonly NodeEntry[], after: readonly NodeEntry[]): number | null {
  if (before.length !== after.length || after.length === 0) return null;
  let shift: number | undefined;
  for (let i = 0; i < after.length; i += 1) {
    const a = before[i]!;
    const b = after[i]!;
    if (a.node_id !== b.node_id || a.client_id !== b.client_id || a.component_urn !== b.component_urn) return null;
    if (a.value !== b.value || Object.keys(a).length !== Object.keys(b).length) return null;
    if ((a.max_wait_time === undefined) !== (b.max_wait_time === undefined)) return null;
    if (a.max_wait_time === undefined || b.max_wait_time === undefined) continue;
    const moved = b.max_wait_time - a.max_wait_time;
    if (shift === undefined) shift = moved;
    else if (moved !== shift) return null;
  }
  return shift ?? 0;
}

const shifted = (entries: readonly NodeEntry[], shift: number): NodeEntry[] =>
  shift === 0
    ? (entries as NodeEntry[])
    : entries.map((entry) =>
        entry.max_wait_time === undefined ? entry : { ...entry, max_wait_time: entry.max_wait_time + shift },
      );

/** `before` minus `drop`, then `add`: the order a reply's node_ids are read back in. */
function applyDelta(before: readonly string[], add: readonly string[], drop: readonly string[]): string[] {
  const dropped = new Set(drop);
  return [...before.filter((id) => !dropped.has(id)), ...add];
}

/**
 * What the previous call and reply of each method were, in the file being written or read; a
 * record that leans on them is read back against the same. A call read back keeps its whole base
 * and its shift, and builds its entries only when asked: a journal of a day of countdowns reads
 * in little memory.
 */
class LastCalls {
  protected readonly calls = new Map<string, LastCall>();
  protected readonly replies = new Map<string, LastReply>();

  /** A new journal file: records in it never lean on an earlier file. */
  reset(): void {
    this.calls.clear();
    this.replies.clear();
  }

  /** The record whole, or null when it leans on one not seen (a file cut short or edited by hand). */
  protected remember<H extends { seq: number }>(
    record: H & (StoredCall | StoredReply),
  ): (H & (WholeCall | WholeReply)) | null {
    const { seq } = record;
    if (record.kind === 'call') {
      let last: LastCall;
      if ('asCall' in record) {
        const before = this.calls.get(record.method);
        if (before?.seq !== record.asCall) return null;
        last = { seq, base: before.base, shift: before.shift + (record.shift ?? 0) };
      } else last = { seq, base: record.nodes, shift: 0 };
      this.calls.set(record.method, last);
      if (!('asCall' in record)) return record;
      const { asCall: _as, shift: _shift, ...head } = record;
      const { base, shift } = last;
      // The entries are built when read (history), not for every call a restart reads past.
      return Object.defineProperty({ ...head, nodes: [] as NodeEntry[] }, 'nodes', {
        enumerable: true,
        get: () => shifted(base, shift),
      });
    }
    let released: string[];
    if ('asReply' in record) {
      const before = this.replies.get(record.method);
      if (before?.seq !== record.asReply) return null;
      released = applyDelta(before.released, record.add ?? [], record.drop ?? []);
    } else released = record.released;
    this.replies.set(record.method, { seq, released });
    if (!('asReply' in record)) return record;
    const { asReply: _as, add: _add, drop: _drop, ...head } = record;
    return { ...head, released };
  }
}

/** The writer's side: how each call and reply is written. */
export class CallRecordWriter extends LastCalls {
  call(method: string, nodes: NodeEntry[], refused?: string): StoredCall {
    const last = this.calls.get(method);
    const total = last && refused === undefined ? uniformShift(last.base, nodes) : null;
    if (!last || total === null) return { kind: 'call', method, nodes, ...(refused === undefined ? {} : { refused }) };
    const shift = total - last.shift;
    return { kind: 'call', method, asCall: last.seq, ...(shift === 0 ? {} : { shift }) };
  }

  reply(method: string, released: string[], error?: string): StoredReply {
    const last = this.replies.get(method);
    if (!last || error !== undefined)
      return { kind: 'reply', method, released, ...(error === undefined ? {} : { error }) };
    const now = new Set(released);
    const before = new Set(last.released);
    const add = released.filter((id) => !before.has(id));
    const drop = last.released.filter((id) => !now.has(id));
    // A delta longer than about half the list saves little and reads worse: the list whole.
    if (add.length + drop.length > released.length / 2 + 8) return { kind: 'reply', method, released };
    return {
      kind: 'reply',
      method,
      asReply: last.seq,
      ...(add.length ? { add } : {}),
      ...(drop.length ? { drop } : {}),
    };
  }

  /** The record went to the journal as `seq`: the next one of its method may lean on it. */
  wrote(record: StoredCall | StoredReply, seq: number): void {
    this.remember({ ...record, seq });
  }
}

/** The reader's side: each call and reply of one journal file read back whole, in file order. */
export class CallRecordReader extends LastCalls {
  read<H extends { seq: number }>(record: H & (StoredCall | StoredReply)): (H & (WholeCall | WholeReply)) | null {
    return this.remember(record);
  }
}
