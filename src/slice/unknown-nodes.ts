import type { Logger } from 'pino';
import type { NodeEntry } from '../protocol/client-methods.js';
import { ProtocolError, ProtoGeniCode } from '../protocol/codes.js';
import type { NodeLives } from './node-lives.js';

/** Unknown nodes the agent tracks at most, unless the configuration says otherwise. */
export const DEFAULT_MAX_UNKNOWN_NODES = 10_000;
/** Node ids a log line names as examples of the unknown nodes of one call. */
const SAMPLE = 5;

/**
 * The nodes calls name that the configuration does not list: adopted ones (managed through
 * hostTemplate) and ones reported released because they cannot be reached. Calls come from the
 * network, so what they can make the agent keep is bounded: a call that would take the agent past
 * `max` unknown nodes is refused whole (ProtoGENI TOOBIG) before any of it is applied. Adopted nodes
 * count for as long as the agent runs (a deleted one may come back); released ones until deleted.
 * Each call logs one line per kind, with a count and a few ids, not one line per node.
 */
export class UnknownNodes {
  private adopted = 0;
  private readonly pending = { adopted: [] as string[], released: [] as string[] };

  constructor(
    private readonly max: number,
    private readonly log: Logger,
    /** Where a released unknown node is kept, journaled (its life `unknown`). */
    private readonly lives: NodeLives,
  ) {}

  /** Unknown nodes tracked now. */
  get size(): number {
    return this.adopted + this.lives.count('unknown');
  }

  isReleased(nodeId: string): boolean {
    return this.lives.get(nodeId)?.life === 'unknown';
  }

  /**
   * Refuses the call when the nodes it names for the first time (`isNew`) would take the agent past
   * its bound. `isNew` is asked once per entry; entries the call does not adopt may be skipped by it.
   */
  admit(entries: readonly NodeEntry[], isNew: (entry: NodeEntry) => boolean): void {
    const fresh = new Set<string>();
    for (const entry of entries) if (!this.isReleased(entry.node_id) && isNew(entry)) fresh.add(entry.node_id);
    if (fresh.size === 0 || this.size + fresh.size <= this.max) return;
    this.log.warn({ tracked: this.size, named: fresh.size, max: this.max }, 'call refused: too many unknown nodes');
    throw new ProtocolError(
      ProtoGeniCode.TOOBIG,
      'nodelist',
      `names ${fresh.size} nodes the agent does not know; it tracks ${this.size} of at most ${this.max} ` +
        `(unknownNodes.max)`,
    );
  }

  noteAdopted(nodeId: string, restored = false): void {
    this.adopted += 1;
    if (!restored) this.pending.adopted.push(nodeId);
  }

  /** An adopted node the node list names now: it no longer counts against the bound. */
  noteListed(): void {
    this.adopted = Math.max(0, this.adopted - 1);
  }

  /** Reported released from now on: the look-up that said the node is not the slice's succeeded (`why`). */
  noteReleased(nodeId: string, why: string): void {
    const life = this.lives.get(nodeId);
    const incarnation = life?.life === 'left' ? life.incarnation + 1 : 0;
    this.lives.set(nodeId, { life: 'unknown', incarnation, why });
    this.pending.released.push(nodeId);
  }

  /** Logs what the call just did with unknown nodes, one line per kind. */
  report(policy: string): void {
    const { adopted, released } = this.pending;
    if (adopted.length > 0)
      this.log.info({ count: adopted.length, nodeIds: adopted.slice(0, SAMPLE) }, 'unknown nodes adopted');
    if (released.length > 0) {
      this.log.warn(
        { count: released.length, nodeIds: released.slice(0, SAMPLE), policy },
        'unknown nodes reported released',
      );
    }
    this.pending.adopted = [];
    this.pending.released = [];
  }
}
