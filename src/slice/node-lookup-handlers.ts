import type { Logger } from 'pino';
import type { ClientEndpointHandlers, NodeEntry } from '../protocol/client-methods.js';
import { ProtocolError, ProtoGeniCode } from '../protocol/codes.js';
import { backInSlice, DEFAULT_DELETED_GRACE_SECONDS } from './incarnation.js';
import type { NodeLives, Parked } from './node-lives.js';
import { settleAllParked } from './parked-calls.js';
import type { Slice } from './slice.js';

export interface NodeLookupDeps {
  /**
   * Re-reads the node list; resolves true once a read that started after this call has been
   * applied, false when it failed (never rejects). Every read that succeeds, whoever asked for
   * it, ends with `settleAll`.
   */
  lookUp(): Promise<boolean>;
  logger: Logger;
  now: () => number;
  /** Nodes waiting for a read at most; a call that would pass it is refused whole (TOOBIG). */
  max: number;
  deletedGraceSeconds?: number;
  /** The first wait before a read that failed is tried again for the nodes still waiting; it doubles up to `max`. */
  retryMs?: { first: number; max: number };
}

const DEFAULT_RETRY_MS = { first: 5_000, max: 60_000 };

/**
 * In front of a slice whose node list is a manifest: a call naming a node the slice does not hold
 * (never seen, or that left) parks it (see node-lives.ts) and starts a read of the manifest; the
 * reply never waits for the read. A parked node is answered with the wait it came with, released
 * only once the cluster sent max_wait_time 0 for it (then in every reply until it is settled). Only
 * a read that succeeded says what the node is: then what the calls said of it is applied (to the
 * node, with the cluster's deadline, if the manifest lists it; else under the unknown-node policy).
 * A read that failed changes nothing: the node stays parked and the read is tried again.
 */
export class NodeLookupHandlers implements ClientEndpointHandlers {
  private readonly log: Logger;
  private stopped = false;
  private retry: { timer: NodeJS.Timeout | undefined; waitMs: number };

  constructor(
    private readonly slice: Slice,
    private readonly lives: NodeLives,
    private readonly deps: NodeLookupDeps,
  ) {
    this.log = deps.logger.child({ component: 'nodes' });
    this.retry = { timer: undefined, waitMs: (deps.retryMs ?? DEFAULT_RETRY_MS).first };
  }

  async setResourceValues(nodes: NodeEntry[]): Promise<void> {
    // Entries without client_id describe nodes outside the slice: nothing to look up.
    const { known, waiting } = this.split(nodes, (entry) => entry.client_id !== undefined);
    // A call refused whole (too many unknown nodes) parks nothing.
    await this.slice.setResourceValues(known);
    const parking = await this.stillWaiting(waiting, (late) => this.slice.setResourceValues(late));
    for (const entry of parking) this.park(entry.node_id, (parked) => ({ ...parked, values: entry }));
    this.lookUp(parking);
  }

  async notifyDeletePending(nodes: NodeEntry[]): Promise<Set<string>> {
    const { known, waiting } = this.split(nodes, () => true);
    const at = this.deps.now();
    const released = await this.slice.notifyDeletePending(known);
    const parking = await this.stillWaiting(waiting, async (late) => {
      for (const id of await this.slice.notifyDeletePending(late)) released.add(id);
    });
    for (const entry of parking) {
      const noWait = (entry.max_wait_time ?? 0) <= 0;
      this.park(entry.node_id, (parked) => ({ ...parked, noWait: parked.noWait || noWait, countdown: { entry, at } }));
      if (this.lives.released(entry.node_id)) released.add(entry.node_id);
    }
    this.lookUp(parking);
    return released;
  }

  /**
   * The entries that still wait for a read once the slice has answered the others: a call that ran
   * meanwhile (a deletion) may have said what some are, and those go to the slice (`apply`). They
   * are parked in the same turn as this last look, so no call comes between.
   */
  private async stillWaiting(waiting: NodeEntry[], apply: (late: NodeEntry[]) => Promise<void>): Promise<NodeEntry[]> {
    let pending = waiting;
    for (;;) {
      const late = pending.filter((entry) => !this.waits(entry));
      if (late.length === 0) return pending;
      pending = pending.filter((entry) => !late.includes(entry));
      await apply(late);
    }
  }

  notifyDeleteComplete(nodes: NodeEntry[]): Promise<void> {
    const now = this.deps.now();
    for (const entry of nodes) {
      const life = this.lives.get(entry.node_id);
      if (life?.life !== 'parked') continue;
      // Gone before a read said what it was: a countdown soon after repeats this deletion. The calls
      // named the life after the one that left (the one the cluster just deleted).
      const incarnation = life.left ? life.left.incarnation + 1 : 0;
      this.lives.set(entry.node_id, { life: 'left', incarnation, deletedAt: now, why: 'deleted while parked' });
    }
    return this.slice.notifyDeleteComplete(nodes);
  }

  /** Applies what the calls said of every parked node: a read of the node list has just succeeded. */
  async settleAll(): Promise<void> {
    if (this.stopped) return;
    clearTimeout(this.retry.timer);
    this.retry = { timer: undefined, waitMs: (this.deps.retryMs ?? DEFAULT_RETRY_MS).first };
    await settleAllParked(this.slice, this.deps.now, this.log);
  }

  /** Stops the retries: a read that ends after the agent stopped applies nothing. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry.timer);
  }

  /** Entries for nodes the slice holds (or answers for) go on; the others wait for a read. */
  private split(nodes: NodeEntry[], mayWait: (entry: NodeEntry) => boolean) {
    const known: NodeEntry[] = [];
    const waiting: NodeEntry[] = [];
    const fresh = new Set<string>();
    for (const entry of nodes) {
      if (!mayWait(entry) || !this.waits(entry)) {
        known.push(entry);
        continue;
      }
      waiting.push(entry);
      if (this.lives.get(entry.node_id)?.life !== 'parked') fresh.add(entry.node_id);
    }
    // Only a read that succeeded may say a node is not the slice's: past the bound, the call is
    // refused whole (nothing of it applied), never answered as though the read had said so.
    const parked = this.lives.count('parked');
    if (parked + fresh.size > this.deps.max) {
      this.log.warn({ parked, named: fresh.size, max: this.deps.max }, 'call refused: too many nodes wait for a read');
      throw new ProtocolError(
        ProtoGeniCode.TOOBIG,
        'nodelist',
        `names ${fresh.size} nodes the agent must look up; ${parked} already wait, of at most ${this.deps.max} ` +
          '(unknownNodes.max)',
      );
    }
    return { known, waiting };
  }

  /** Whether the entry names a node only a read can say anything of. */
  private waits(entry: NodeEntry): boolean {
    if (this.slice.get(entry.node_id) !== undefined) return false;
    const life = this.lives.get(entry.node_id);
    if (life === undefined || life.life === 'parked') return true;
    if (life.life === 'unknown') return false;
    // Left after its deletion: a countdown soon after repeats the deletion, and the slice answers it.
    const namedBy = entry.max_wait_time === undefined ? 'values' : 'countdown';
    const now = this.deps.now();
    return life.deletedAt === null || backInSlice(namedBy, life.deletedAt, now, this.graceMs());
  }

  /** Parks a node (journaled when it is new, or when the cluster first says it cannot wait for it). */
  private park(nodeId: string, update: (parked: Parked) => Parked): void {
    const life = this.lives.get(nodeId);
    const before: Parked =
      life?.life === 'parked'
        ? life
        : {
            life: 'parked',
            since: this.deps.now(),
            noWait: false,
            ...(life?.life === 'left' ? { left: { incarnation: life.incarnation, deletedAt: life.deletedAt } } : {}),
          };
    const after = update(before);
    if (life?.life !== 'parked' || after.noWait !== before.noWait) this.lives.set(nodeId, after);
    else this.lives.restore(nodeId, after);
  }

  private lookUp(waiting: NodeEntry[]): void {
    if (waiting.length === 0 || this.stopped) return;
    const ids = waiting.map((entry) => entry.node_id);
    this.log.info(
      { count: ids.length, nodeIds: ids.slice(0, 5) },
      'call names nodes the agent does not know: re-reading the node list',
    );
    void this.deps.lookUp().then((read) => {
      if (!read) this.retryLater();
    });
  }

  /** A read failed while nodes wait for one: they stay parked, and the read is tried again later. */
  private retryLater(): void {
    if (this.stopped || this.retry.timer !== undefined || this.lives.count('parked') === 0) return;
    const { waitMs } = this.retry;
    this.log.warn(
      { parked: this.lives.count('parked'), retryInMs: waitMs },
      'node list read failed: the nodes it was read for stay unknown and keep their wait; reading again later',
    );
    const timer = setTimeout(() => {
      this.retry.timer = undefined;
      if (this.lives.count('parked') === 0 || this.stopped) return;
      void this.deps.lookUp().then((read) => {
        if (!read) this.retryLater();
      });
    }, waitMs);
    timer.unref();
    this.retry = { timer, waitMs: Math.min(waitMs * 2, (this.deps.retryMs ?? DEFAULT_RETRY_MS).max) };
  }

  private graceMs(): number {
    return (this.deps.deletedGraceSeconds ?? DEFAULT_DELETED_GRACE_SECONDS) * 1000;
  }
}
