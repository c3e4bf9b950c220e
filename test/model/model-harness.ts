import { HANDLER_TIMEOUT_OUTPUT } from '../../src/protocol/client-endpoint.js';
import { CONFIGURED } from './agent-world.js';
import type { CampaignWorld } from './campaign-world.js';
import { ClusterModel, type Expectation, type ModelNode } from './cluster-model.js';
import {
  answeredWithoutSsh,
  type DecodedReply,
  freshIncarnationIsUnreleased,
  InvariantViolation,
  type NodeView,
  nodeSetMatches,
  ReleaseLedger,
  releasedFlagMatchesTag,
  releaseIsJustified,
  replyEchoesRequest,
  sameReplyAfterRestart,
  type WireEntry,
  workLostRecorded,
} from './invariants.js';

/** One call of the cluster to the agent. */
export interface ClusterCall {
  method: 'NotifyDeletePending' | 'NotifyDeleteComplete' | 'SetResourceValues';
  entries: readonly WireEntry[];
}

/** Totals of one campaign, for its closing line; `sameReplies`: restarts around which a call was compared. */
export const totals = { sequences: 0, commands: 0, checks: 0, sameReplies: 0 };

const givenBack = (view: NodeView | undefined) => view !== undefined && (view.tagged || view.state === 'deleted');

/**
 * A world and its oracle side by side: each step makes one move of the cluster, the nodes, the
 * clock, the disk or the process, then checks every invariant.
 */
export class ModelHarness<W extends CampaignWorld = CampaignWorld> {
  readonly ledger = new ReleaseLedger();
  private step = 0;
  /** Every node as last observed. */
  private views = new Map<string, NodeView | undefined>();

  constructor(
    readonly world: W,
    readonly model = new ClusterModel(),
  ) {
    totals.sequences += 1;
  }

  async close(): Promise<void> {
    await this.world.close();
  }

  async countdown(entries: readonly WireEntry[]): Promise<DecodedReply> {
    const [reply] = await this.calls([{ method: 'NotifyDeletePending', entries }]);
    return reply!;
  }

  async deleteComplete(entries: readonly WireEntry[]): Promise<void> {
    await this.calls([{ method: 'NotifyDeleteComplete', entries }]);
  }

  async setValues(entries: readonly WireEntry[]): Promise<void> {
    await this.calls([{ method: 'SetResourceValues', entries }]);
  }

  /**
   * Calls the cluster makes, one after the other or all at once (their handlers then interleave
   * where they wait for the disk); the model takes them in the order they start.
   */
  async calls(calls: readonly ClusterCall[], together = false): Promise<DecodedReply[]> {
    const planned = calls.map((call) => this.plan(call));
    const replies: DecodedReply[] = [];
    if (together) replies.push(...(await Promise.all(calls.map((call) => this.send(call)))));
    else for (const call of calls) replies.push(await this.send(call));
    const allAnswered = replies.every((reply) => reply.code === 0);
    // A node SetResourceValues brought back starts its new life once the agent answered the call: one
    // it could not answer (its disk failed) may be lost by a restart, leaving the agent in the last life.
    for (const [i, reply] of replies.entries())
      if (reply.code === 0) for (const id of planned[i]!.bornOnAnswer) this.world.newIncarnation(id);
    for (const [i, reply] of replies.entries()) await this.judge(calls[i]!, planned[i]!, reply, allAnswered);
    await this.after();
    return replies;
  }

  /** What the model expects of a call, applied to the model in the order calls start. */
  private plan({ method, entries }: ClusterCall): { where: string; expected: Expectation[]; bornOnAnswer: string[] } {
    const { model, world } = this;
    const where = this.where(method);
    const born = (id: string) => world.newIncarnation(id);
    // A node_id without a state machine named after its deletion's grace: what replies said of the last life binds no more.
    model.onBack = (id) => {
      if (!world.observedNow?.(id)) this.ledger.forget(id);
    };
    if (method === 'NotifyDeleteComplete') {
      for (const entry of entries) {
        model.deleteEntry(entry, world.now());
        // Without a state machine (left, unknown, parked), its next naming after the grace may be a new life.
        if (model.manifest && !world.lifeOf?.(entry.node_id)) this.ledger.forget(entry.node_id);
      }
    }
    const bornOnAnswer: string[] = [];
    if (method === 'SetResourceValues')
      for (const entry of entries) model.valuesEntry(entry, (id) => bornOnAnswer.push(id));
    if (method !== 'NotifyDeletePending') return { where, expected: [], bornOnAnswer };
    const each = entries.map((entry) => model.countdownEntry(entry, world.now(), born));
    model.countdowns.push([...entries]);
    // The reply reads each node's state once the whole call is applied: a node named twice answers the same for both.
    return {
      where,
      expected: entries.map((entry) =>
        combined(entries.flatMap((e, i) => (e.node_id === entry.node_id ? [each[i]!] : []))),
      ),
      bornOnAnswer,
    };
  }

  private async judge(
    { method, entries }: ClusterCall,
    { where, expected }: { where: string; expected: Expectation[] },
    reply: DecodedReply,
    allAnswered: boolean,
  ): Promise<void> {
    const { model, world } = this;
    if (reply.code !== 0) return;
    // An answered countdown or deletion rests on node states on disk: nothing before it can be lost now.
    if (allAnswered && method !== 'SetResourceValues') for (const node of model.nodes.values()) node.uncertain = false;
    if (method !== 'NotifyDeletePending') return;
    replyEchoesRequest(entries, reply.value);
    const views = await world.observe();
    const evidence = this.evidence();
    entries.forEach((entry, i) => {
      const released = (reply.value as WireEntry[])[i]!.max_wait_time === 0;
      const view = views.get(entry.node_id);
      this.expect(expected[i]!, released, entry, where);
      if ((entry.max_wait_time ?? 0) === 0) {
        // The cluster cannot wait: whatever the echo says, the node is given back now.
        if (view !== undefined && !givenBack(view) && !model.get(entry.node_id)?.resync) {
          throw new InvariantViolation(
            'the cluster is told what it may take',
            `${entry.node_id} is ${view.state} after a countdown with max_wait_time 0 (${where})`,
          );
        }
        this.ledger.observe(
          entry.node_id,
          view?.incarnation ?? world.lifeOf?.(entry.node_id) ?? 0,
          true,
          where,
          !!view,
        );
        return;
      }
      if (released) releaseIsJustified(entry.node_id, view, evidence);
      const life = view?.incarnation ?? world.lifeOf?.(entry.node_id) ?? 0;
      this.ledger.observe(entry.node_id, life, released, where, view !== undefined);
      totals.checks += 3;
    });
    for (const node of model.nodes.values()) if (node.resync) this.readBack(node, views.get(node.nodeId));
  }

  /**
   * The last countdown, repeated around a restart. Where SSH commands can be held, nothing can
   * change a node in between, so the restarted agent must give the same reply.
   */
  async restart(kind: 'crash' | 'clean'): Promise<void> {
    const { world, model } = this;
    const probe = model.countdowns.at(-1);
    world.holdCommands();
    const settledBefore = world.restartChangesNothing?.() ?? true;
    const readsBefore = world.reads?.();
    const before = probe ? await this.countdown(probe) : null;
    // The probe itself may have started a read (a node it names is looked up): then the reply may change, on evidence.
    const unchanged = settledBefore && (world.restartChangesNothing?.() ?? true) && world.reads?.() === readsBefore;
    await world.restart(kind);
    await this.reconcile();
    const after = probe ? await this.countdown(probe) : null;
    // With a manifest, a restart reads it: a change the agent had not read yet may change the reply, on evidence.
    if (world.holdsCommands && unchanged && before?.code === 0 && after?.code === 0) {
      sameReplyAfterRestart(before, after);
      totals.checks += 1;
      totals.sameReplies += 1;
    }
    world.releaseCommands();
    await this.after();
  }

  /** Checks every node against the invariants (after the step's effects have run). */
  async after(): Promise<void> {
    const { world, model } = this;
    this.views = await world.observe();
    totals.commands += 1;
    const evidence = this.evidence();
    for (const change of world.takeChanges()) {
      const { context } = change.snapshot;
      if (change.to === 'deleted') workLostRecorded(change.nodeId, change.from, context.workLost);
      if (change.from === 'deleted') {
        // The agent started the node's next life: a deletion the cluster sent before it is not this life's.
        if (model.manifest) model.nodes.get(change.nodeId)!.life.deletedByCallAt = null;
        freshIncarnationIsUnreleased({
          nodeId: change.nodeId,
          incarnation: context.incarnation,
          state: change.to,
          tagged: false,
          context,
        });
      }
      totals.checks += 1;
    }
    // With a manifest, which nodes the agent holds, and in which life, follows its reads: the releases are judged.
    if (!model.manifest) {
      const managed = [...model.nodes.values()].filter((n) => n.configured || n.adopted).map((n) => n.nodeId);
      nodeSetMatches([...this.views.keys()], managed, (id) => model.managed(id) !== undefined);
    }
    for (const [nodeId, view] of this.views) {
      if (view === undefined) continue;
      releasedFlagMatchesTag(view);
      if (!model.manifest) model.expectIncarnation(nodeId, view.incarnation);
      if (givenBack(view)) releaseIsJustified(nodeId, view, evidence);
      if (this.ledger.wasTold(nodeId, view.incarnation) && !givenBack(view)) {
        throw new InvariantViolation(
          'released is monotonic within an incarnation',
          `${nodeId} #${view.incarnation} was reported released and is now ${view.state}`,
        );
      }
      totals.checks += 4;
    }
    const internal = world.internalError();
    if (internal) throw new InvariantViolation('bad input never crashes the daemon', internal);
  }

  private async send({ method, entries }: ClusterCall): Promise<DecodedReply> {
    const { world, model } = this;
    const failures = world.diskFailures();
    const healthy = world.journalHealthy();
    const reply = await world.call(method, entries);
    answeredWithoutSsh(method, reply, HANDLER_TIMEOUT_OUTPUT);
    if (reply.code !== 0) {
      // SERVERERROR is the one answer a failing disk excuses.
      const excused = reply.code === 5 && (world.diskFailures() > failures || !healthy);
      if (!excused)
        throw new InvariantViolation('every valid call is answered', `${method} got ${JSON.stringify(reply)}`);
      for (const entry of entries) {
        const node = model.get(entry.node_id);
        if (node) node.uncertain = true;
      }
    }
    totals.checks += 1;
    return reply;
  }

  private expect(expected: Expectation, released: boolean, entry: WireEntry, where: string): void {
    if (expected === 'released' && !released) {
      throw new InvariantViolation(
        'the cluster is told what it may take',
        `${entry.node_id} (${JSON.stringify(entry)}) must be released in ${where}`,
      );
    }
    if (expected === 'kept' && released && (entry.max_wait_time ?? 0) > 0) {
      throw new InvariantViolation(
        'a node starts unreleased',
        `${entry.node_id} was released by the countdown that started its drain (${where})`,
      );
    }
  }

  /** After a restart: what the cluster could not be sure of is read back from the agent. */
  private async reconcile(): Promise<void> {
    const { world, model } = this;
    const views = await world.observe();
    for (const node of [...model.nodes.values()]) {
      if ((!node.configured && !node.adopted) || model.manifest) continue;
      const view = views.get(node.nodeId);
      if (!views.has(node.nodeId)) {
        // An adopted node no call made it start was never journaled: the next call adopts it again.
        if (this.ledger.wasTold(node.nodeId, node.incarnation))
          throw new InvariantViolation('no node is lost', `${node.nodeId} was released, then forgotten by a restart`);
        model.nodes.delete(node.nodeId);
      } else if (node.uncertain) {
        this.readBack(node, view);
      }
      node.uncertain = false;
    }
  }

  /** The model takes the agent's word for a node it cannot be sure of (no actor: allocated in its first life). */
  private readBack(node: ModelNode, view: NodeView | undefined): void {
    const incarnation = view?.incarnation ?? 1;
    // Lives the agent never got to disk: the node is back in an earlier one.
    if (incarnation < node.incarnation) this.world.backToLife?.(node.nodeId, incarnation);
    node.incarnation = incarnation;
    node.deletedAt = view?.state === 'deleted' ? view.context.deletedAt : null;
    node.inferredDeleted = view?.state === 'deleted' && view.context.deletedAt === null;
    node.prepared = view?.state.startsWith('allocated.') === true && view.state !== 'allocated.idle';
    node.countedDown = view !== undefined && !view.state.startsWith('allocated');
    node.resync = false;
  }

  private evidence() {
    const { world, model } = this;
    return model.evidence(world.now(), world.onFailure, (id) => world.verified(id));
  }

  private where(method: string): string {
    this.step += 1;
    return `${method} (step ${this.step})`;
  }
}

function combined(expectations: Expectation[]): Expectation {
  if (expectations.includes('released')) return 'released';
  return expectations.every((e) => e === 'kept') ? 'kept' : 'either';
}

/** The entry the cluster sends for a node: configured nodes with their client_id; ux1 with one, ux2 without. */
export function entryFor(nodeId: string, extra: Partial<WireEntry> = {}): WireEntry {
  const configured = CONFIGURED.find(([id]) => id === nodeId);
  const clientId = configured ? configured[1] : nodeId === 'ux1' ? 'ux1c' : undefined;
  return { node_id: nodeId, ...(clientId === undefined ? {} : { client_id: clientId }), ...extra };
}
