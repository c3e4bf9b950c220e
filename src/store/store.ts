import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { NodeEntry } from '../protocol/client-methods.js';
import { CallRecordWriter } from './call-records.js';
import type { InterruptedSteps } from './interrupted-steps.js';
import { JournalHealth, type JournalStatus, JournalUnwritableError } from './journal-health.js';
import { JournalWriter, type JournalWriterOptions } from './journal-writer.js';
import type { CommandRecord, JournalEntry, LifeRecord, NodeRecord, StoredRecord } from './records.js';
import { type RecoveredState, recoverState } from './recover-state.js';
import { pruneSegments, writeFileAtomic } from './snapshot-file.js';
import { STATE_FORMAT } from './state-format.js';
import type { StateImage } from './state-image.js';
import { lockStateDir } from './state-lock.js';
import { FLUSH_SOON_MS, type Settings, type StoreOptions } from './store-options.js';

const segmentName = (dir: string, firstSeq: number) => join(dir, `journal-${firstSeq}.jsonl`);

/**
 * The agent's memory across restarts: an append-only journal of every call, reply and node state
 * change, flushed to disk before a reply leaves, plus a periodic snapshot of the nodes.
 */
export class Store {
  private seq: number;
  /** Counts node records, so a caller can tell whether a call changed any node. */
  nodeChanges = 0;
  /** nodeChanges as of the last completed flush. */
  private durableNodeChanges = 0;
  private sinceSnapshot = 0;
  private compacting: Promise<void> | null = null;
  /** Set by close(): its last flush starts no compaction (nothing is written once the lock is let go). */
  private closing = false;
  private soon: NodeJS.Timeout | null = null;
  private retiring: Promise<unknown> = Promise.resolve();
  private writer!: JournalWriter;
  /** How calls and replies are written: a repeat leans on the previous one in the same file. */
  private readonly calls = new CallRecordWriter();
  private readonly health: JournalHealth;
  private readonly writerOptions: JournalWriterOptions;
  /** What the journal says now (node records carry a value only when a state changed: values are kept apart). */
  private readonly image: StateImage;
  private readonly now: () => number;

  private constructor(
    private readonly options: Settings,
    private readonly unlock: () => Promise<void>,
    { image, lastSeq, interrupted, afterSnapshot }: RecoveredState,
  ) {
    this.interrupted = interrupted;
    this.image = image;
    this.recovered = new Map(image.nodes);
    this.recoveredLives = new Map(image.lives);
    this.recoveredValues = [...image.values.values()];
    this.seq = lastSeq;
    // The records a restart found after the snapshot count toward the next one: restarts must not postpone it.
    this.sinceSnapshot = afterSnapshot;
    this.now = options.now ?? Date.now;
    const { logger, retryMs = { first: 1_000, max: 30_000 } } = options;
    this.health = new JournalHealth({
      logger,
      now: this.now,
      retry: () => this.flush(),
      unwritten: () => this.writer.pending,
      retryMs,
    });
    this.writerOptions = { openFile: options.openFile, onAttempt: this.health.onAttempt };
  }

  /** Nodes as the journal left them (empty on a first start). */
  readonly recovered: ReadonlyMap<string, NodeRecord>;
  /** Node_ids outside the slice's nodes as the journal left them: left, unknown, parked. */
  readonly recoveredLives: ReadonlyMap<string, LifeRecord>;
  /** The values the cluster last sent for each node before the restart, to be applied again. */
  readonly recoveredValues: readonly NodeEntry[];
  /** The drain steps the agent died in before this start, and how often. */
  readonly interrupted: InterruptedSteps;

  static async open(options: StoreOptions): Promise<Store> {
    const settings: Settings = { compactEvery: 5_000, keepSegments: 3, ...options };
    const { dir, logger } = settings;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const unlock = await lockStateDir(dir);
    try {
      const recovered = await recoverState(dir, logger);
      const store = new Store(settings, unlock, recovered);
      const { lastSeq, segments } = recovered;
      const nodes = recovered.image.nodes;
      store.writer = await JournalWriter.open(segments.at(-1) ?? segmentName(dir, lastSeq + 1), store.writerOptions);
      store.append({ kind: 'start', pid: process.pid, recovered: nodes.size });
      await store.writer.flush().catch(async (error: unknown) => {
        store.health.stop();
        await store.writer.close();
        throw error;
      });
      logger.info({ dir, recovered: nodes.size, seq: lastSeq }, 'state recovered');
      return store;
    } catch (error) {
      await unlock();
      throw error;
    }
  }

  /**
   * A call and its nodelist. `refused`: the call was refused whole and nothing of it applied (a
   * restart must not apply it either); the values of an applied SetResourceValues are kept for the
   * next start.
   */
  recordCall(method: string, nodes: NodeEntry[], refused?: string): void {
    const record = this.calls.call(method, nodes, refused);
    this.calls.wrote(record, this.append(record));
    if (method === 'SetResourceValues' && refused === undefined) this.image.applied(nodes);
  }

  /** What the cluster was told: the nodes it may take now, or the error it got instead. */
  recordReply(method: string, released: string[], error?: string): void {
    const record = this.calls.reply(method, released, error);
    this.calls.wrote(record, this.append(record));
  }

  /**
   * A drain command starting or finishing. A start is written at once without waiting (so a crash
   * that follows is seen at the next start), a finish within FLUSH_SOON_MS.
   */
  recordCommand(command: CommandRecord): void {
    this.append({ kind: 'command', ...command });
    // A failure is logged, counted and retried by the journal's health, not once per command.
    if (command.state === 'started') this.flush().catch(() => undefined);
    else this.flushSoon();
  }

  recordNode(node: NodeRecord): void {
    this.image.node(node);
    this.nodeChanges += 1;
    this.append({ kind: 'node', ...node });
  }

  /** A node_id outside the slice's nodes changed life: a reply may rest on it, as on a node's state. */
  recordLife(life: LifeRecord): void {
    this.image.life(life);
    this.nodeChanges += 1;
    this.append({ kind: 'life', ...life });
  }

  /** Whether the journal takes writes (the status API and /metrics show it). */
  get journalStatus(): JournalStatus {
    return this.health.status;
  }

  /** Whether every node state recorded so far is on disk: a reply resting on them alone may leave now. */
  get nodeStateDurable(): boolean {
    return this.durableNodeChanges === this.nodeChanges;
  }

  /**
   * Writes what is recorded within FLUSH_SOON_MS, in one write with whatever else comes meanwhile:
   * for records no reply rests on (a call that changed no node), so a busy caller costs one disk
   * write per interval, not one per call.
   */
  flushSoon(): void {
    if (this.soon) return;
    this.soon = setTimeout(() => {
      this.soon = null;
      // A failure is logged, counted and retried by the journal's health, not once per call.
      this.flush().catch(() => undefined);
    }, FLUSH_SOON_MS);
    this.soon.unref();
  }

  /**
   * Resolves once everything recorded so far is on disk; rejects with JournalUnwritableError as soon
   * as the write fails (the records stay in memory and go with the next flush or retry).
   */
  async flush(): Promise<void> {
    const changes = this.nodeChanges;
    await this.retiring;
    await this.writer.flush().catch((error: unknown) => {
      throw new JournalUnwritableError(error);
    });
    this.durableNodeChanges = Math.max(this.durableNodeChanges, changes);
    if (this.sinceSnapshot >= this.options.compactEvery && !this.compacting && !this.closing) {
      this.compacting = this.compact()
        .catch((error: unknown) => this.options.logger.error({ err: error }, 'journal compaction failed'))
        .finally(() => (this.compacting = null));
    }
  }

  async close(): Promise<void> {
    if (this.soon) clearTimeout(this.soon);
    this.soon = null;
    this.health.stop();
    this.closing = true;
    await this.compacting;
    // A run that ends without this record crashed: its running steps count against them at the next start.
    this.append({ kind: 'stop' });
    await this.flush().catch(() => undefined);
    const lost = await this.writer.close();
    if (lost > 0)
      this.options.logger.error(
        { records: lost, lastError: this.health.status.lastError },
        'journal records lost at stop: the disk did not take them',
      );
    await this.unlock();
  }

  /** Queues one record for the journal; returns its seq. */
  private append(entry: JournalEntry): number {
    this.seq += 1;
    this.sinceSnapshot += 1;
    const record = { v: STATE_FORMAT, seq: this.seq, t: this.now(), ...entry } as StoredRecord;
    // The death counts go on with this run's records, for the next snapshot (see compact).
    this.interrupted.read(record);
    this.writer.append(JSON.stringify(record));
    return this.seq;
  }

  /** Snapshot the nodes, start a new journal file, drop old ones beyond `keepSegments`. */
  private async compact(): Promise<void> {
    const { dir } = this.options;
    const seq = this.seq;
    const snapshot = { ...this.image.snapshot(seq, this.now(), STATE_FORMAT), deaths: this.interrupted.state() };
    this.sinceSnapshot = 0;
    await this.writer.flush();
    await writeFileAtomic(join(dir, 'snapshot.json'), JSON.stringify(snapshot));
    const old = this.writer;
    const next = await old.successor(segmentName(dir, this.seq + 1), this.writerOptions);
    if (!next) return;
    this.writer = next;
    // Records in the new file lean on none of the old one.
    this.calls.reset();
    this.retiring = old.close();
    await this.retiring;
    // The segment just retired may hold records newer than the snapshot: always keep it.
    await pruneSegments(dir, Math.max(2, this.options.keepSegments));
    this.options.logger.info({ seq, nodes: snapshot.nodes.length }, 'journal compacted');
  }
}
