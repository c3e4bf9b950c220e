import type { FailurePolicy, ForcedReason } from '../../machines/node.types.js';

/**
 * The agent's promises, written once and checked after every step of every campaign (the chart
 * walk, the in-process model run, the agent process): each function throws InvariantViolation.
 */
export class InvariantViolation extends Error {
  override readonly name = 'InvariantViolation';
  constructor(
    readonly invariant: string,
    detail: string,
  ) {
    super(`${invariant}: ${detail}`);
  }
}

/** What a campaign sees of one node: its state machine's snapshot, reduced. */
export interface NodeView {
  nodeId: string;
  incarnation: number;
  /** `draining.countdown` style. */
  state: string;
  /** In a state tagged released (reported max_wait_time 0). */
  tagged: boolean;
  context: {
    released: boolean;
    forcedReason: ForcedReason | null;
    deadline: number | null;
    workLost: boolean;
    deletedAt: number | null;
  };
}

/** What the world knows independently of the agent, per node and incarnation. */
export interface Evidence {
  now: number;
  onFailure: FailurePolicy;
  /** Every step of one rung of the plan had a verify that truly passed (the scripted runner answered it). */
  drainVerified(nodeId: string, incarnation: number): boolean;
  /** The cluster sent max_wait_time 0 for this node in this incarnation. */
  clusterCouldNotWait(nodeId: string, incarnation: number): boolean;
  /** The cluster deleted this incarnation (NotifyDeleteComplete). */
  deletedByCluster(nodeId: string, incarnation: number): boolean;
  /** A node the configuration does not list and the agent cannot reach. */
  unreachableUnknown(nodeId: string): boolean;
}

const RELEASED_STATES = new Set(['drained', 'forced', 'draining.bestEffort']);

/** A node reported released (or in a released state) is released for a documented reason, recorded. */
export function releaseIsJustified(nodeId: string, view: NodeView | undefined, evidence: Evidence): void {
  const fail = (detail: string) => {
    throw new InvariantViolation('released only when verified or for a recorded forced reason', `${nodeId}: ${detail}`);
  };
  if (view === undefined) {
    // No state machine: an unknown node that cannot be reached, one waiting for a read that the
    // cluster could not wait for, or one that left after its deletion (a late repeat of it).
    const outside = (check: (id: string, incarnation: number) => boolean) => check(nodeId, 0);
    if (
      !evidence.unreachableUnknown(nodeId) &&
      !outside(evidence.clusterCouldNotWait) &&
      !outside(evidence.deletedByCluster)
    )
      fail('released without a state machine, yet it is not an unreachable unknown node');
    return;
  }
  const { incarnation, state, context } = view;
  if (state === 'deleted') {
    if (!evidence.deletedByCluster(nodeId, incarnation))
      fail(`answered as deleted in incarnation ${incarnation}, which the cluster did not delete`);
    return;
  }
  if (!RELEASED_STATES.has(state)) fail(`released in ${state} (incarnation ${incarnation})`);
  if (!context.released) fail(`in ${state} but context.released is false`);
  if (state === 'drained' && !evidence.drainVerified(nodeId, incarnation))
    fail(`drained in incarnation ${incarnation} without a verify that passed`);
  if (state === 'draining.bestEffort' && !evidence.clusterCouldNotWait(nodeId, incarnation))
    fail('best effort without a max_wait_time 0');
  if (state !== 'forced') return;
  switch (context.forcedReason) {
    case 'deadline':
      if (context.deadline === null || context.deadline > evidence.now)
        fail(`forced for its deadline ${context.deadline} before it (now ${evidence.now})`);
      return;
    case 'no-wait':
      if (!evidence.clusterCouldNotWait(nodeId, incarnation))
        fail('forced no-wait, but the cluster never sent max_wait_time 0');
      return;
    case 'drain-failed':
      if (evidence.onFailure !== 'release') fail('forced drain-failed under onFailure: hold');
      return;
    default:
      fail('forced without a forcedReason');
  }
}

/** The tag the slice reads and the context flag the journal keeps agree. */
export function releasedFlagMatchesTag(view: NodeView): void {
  if (view.state !== 'deleted' && view.tagged !== view.context.released) {
    throw new InvariantViolation(
      'released flag matches the released tag',
      `${view.nodeId} in ${view.state}: tag ${view.tagged}, context.released ${view.context.released}`,
    );
  }
}

/** A node that has just become a new incarnation starts allocated and unreleased. */
export function freshIncarnationIsUnreleased(view: NodeView): void {
  if (!view.state.startsWith('allocated') || view.context.released || view.tagged) {
    throw new InvariantViolation(
      'a new incarnation starts unreleased',
      `${view.nodeId} #${view.incarnation} starts in ${view.state}, released ${view.context.released}`,
    );
  }
}

/**
 * Released is monotonic within an incarnation: once a reply told the cluster a node is released,
 * every later reply naming it says so, until the node is deleted and given back.
 */
export class ReleaseLedger {
  private readonly told = new Map<string, { incarnation: number; where: string }>();

  /** Records what a reply said of a node; throws when a release is taken back. */
  observe(nodeId: string, incarnation: number, released: boolean, where: string, known = true): void {
    const before = this.told.get(nodeId);
    if (before !== undefined && before.incarnation === incarnation && !released) {
      throw new InvariantViolation(
        'released is monotonic within an incarnation',
        `${nodeId} #${incarnation} released in ${before.where}, kept in ${where}`,
      );
    }
    // `known`: the incarnation is the node's state machine's (not the life a node_id without one answers for).
    if (known && before !== undefined && incarnation < before.incarnation) {
      throw new InvariantViolation(
        'incarnations only grow',
        `${nodeId} went from #${before.incarnation} to #${incarnation} (${where})`,
      );
    }
    if (released && (before === undefined || before.incarnation !== incarnation))
      this.told.set(nodeId, { incarnation, where });
    if (!released && before !== undefined && before.incarnation !== incarnation) this.told.delete(nodeId);
  }

  /** The cluster deleted a node the agent has no state machine for: its next naming may be a new life. */
  forget(nodeId: string): void {
    this.told.delete(nodeId);
  }

  wasTold(nodeId: string, incarnation: number): boolean {
    return this.told.get(nodeId)?.incarnation === incarnation;
  }
}

/** One nodelist entry as a caller sends it and reads it back. */
export interface WireEntry {
  node_id: string;
  client_id?: string;
  component_urn?: string;
  max_wait_time?: number;
  value?: number;
}

/** A countdown reply echoes the request's entries, in order, with only max_wait_time changed, and only to 0. */
export function replyEchoesRequest(request: readonly WireEntry[], reply: unknown): void {
  const fail = (detail: string) => {
    throw new InvariantViolation('the reply echoes the request', detail);
  };
  if (!Array.isArray(reply)) return fail(`value is not a list: ${JSON.stringify(reply)}`);
  if (reply.length !== request.length) fail(`${reply.length} entries for ${request.length}`);
  request.forEach((sent, i) => {
    const got = { ...(reply[i] as WireEntry) };
    const { max_wait_time: wait, ...rest } = got;
    const { max_wait_time: sentWait, value: _v, ...sentRest } = sent;
    if (JSON.stringify(sortKeys(rest)) !== JSON.stringify(sortKeys(sentRest)))
      fail(`entry ${i}: sent ${JSON.stringify(sent)}, got ${JSON.stringify(got)}`);
    if (wait !== 0 && wait !== (sentWait ?? 0))
      fail(`entry ${i} (${sent.node_id}): max_wait_time ${sentWait} came back as ${wait}`);
  });
}

const sortKeys = (o: object) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));

/** The node ids a countdown reply releases (max_wait_time 0 where the request had more). */
export function releasedBy(request: readonly WireEntry[], reply: unknown): Map<number, boolean> {
  const out = new Map<number, boolean>();
  if (!Array.isArray(reply)) return out;
  request.forEach((sent, i) => {
    if ((sent.max_wait_time ?? 0) > 0) out.set(i, (reply[i] as WireEntry).max_wait_time === 0);
  });
  return out;
}

/** A ProtoGENI reply as a caller decodes it. */
export interface DecodedReply {
  code: number;
  value: unknown;
  output: string;
}

/** No reply waits for SSH: a hung runner never delays an answer past the handler's budget. */
export function answeredWithoutSsh(method: string, reply: DecodedReply, timeoutOutput: string): void {
  if (reply.code === 5 && reply.output === timeoutOutput) {
    throw new InvariantViolation('no reply waits for SSH', `${method} was answered only by the handler timeout`);
  }
}

/** A node deleted before its drain was verified is recorded as work lost (and one that was verified is not). */
export function workLostRecorded(nodeId: string, from: string, workLost: boolean): void {
  if (workLost !== (from !== 'drained')) {
    throw new InvariantViolation(
      'a node deleted before its verify is work lost',
      `${nodeId} deleted from ${from} with workLost ${workLost}`,
    );
  }
}

/** No node is lost or duplicated: the agent lists each expected node once, and no other. */
export function nodeSetMatches(
  listed: readonly string[],
  mustHave: Iterable<string>,
  mayHave: (nodeId: string) => boolean,
): void {
  const seen = new Set<string>();
  for (const id of listed) {
    if (seen.has(id)) throw new InvariantViolation('no node is duplicated', `${id} listed twice`);
    seen.add(id);
    if (!mayHave(id))
      throw new InvariantViolation(
        'no node appears from nowhere',
        `${id} is listed but no call or configuration named it`,
      );
  }
  for (const id of mustHave) if (!seen.has(id)) throw new InvariantViolation('no node is lost', `${id} is missing`);
}

/** After a restart from the journal, the same call gets the same reply it got before. */
export function sameReplyAfterRestart(before: DecodedReply, after: DecodedReply): void {
  if (JSON.stringify(before) !== JSON.stringify(after)) {
    throw new InvariantViolation(
      'a restart changes no reply',
      `before ${JSON.stringify(before)}\n  after ${JSON.stringify(after)}`,
    );
  }
}
