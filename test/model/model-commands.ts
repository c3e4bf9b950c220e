import fc from 'fast-check';
import type { AgentWorld } from './agent-world.js';
import type { ClusterModel } from './cluster-model.js';
import { NODE_IDS, UNKNOWN } from './cluster-model.js';
import type { WireEntry } from './invariants.js';
import { type ClusterCall, entryFor, type ModelHarness } from './model-harness.js';
import { BEHAVIOURS, type NodeBehaviour } from './scripted-node-runner.js';

type Harness = ModelHarness;
type Step = fc.AsyncCommand<ClusterModel, Harness>;
type InProcess = ModelHarness<AgentWorld>;

const list = (entries: readonly WireEntry[]) =>
  entries.map((e) => `${e.node_id}${e.max_wait_time === undefined ? '' : `:${e.max_wait_time}`}`).join(' ');

/** One move in a campaign; toString() is how a shrunk sequence reads (and how it is kept as a test). */
abstract class Move<H extends Harness = Harness> implements fc.AsyncCommand<ClusterModel, H> {
  check(_model: Readonly<ClusterModel>): boolean {
    return true;
  }
  abstract run(model: ClusterModel, harness: H): Promise<void>;
  abstract toString(): string;
}

export class Countdown extends Move {
  constructor(readonly entries: WireEntry[]) {
    super();
  }
  async run(_: ClusterModel, h: Harness) {
    await h.countdown(this.entries);
  }
  toString() {
    return `countdown(${list(this.entries)})`;
  }
}

/**
 * The cluster sends one of its recent countdowns again (0: the last), after a pause: a duplicated
 * tick, or a retry of a call whose reply it lost, arriving after later calls.
 */
export class LateRetry extends Move {
  constructor(
    readonly back: number,
    readonly afterMs: number,
  ) {
    super();
  }
  override check(model: Readonly<ClusterModel>) {
    return model.countdowns.length > this.back;
  }
  async run(model: ClusterModel, h: Harness) {
    const call = model.countdowns[model.countdowns.length - 1 - this.back] ?? [];
    if (this.afterMs > 0) await h.world.advance(this.afterMs);
    await h.countdown(call);
  }
  toString() {
    return `lateRetry(${this.back} back, after ${this.afterMs} ms)`;
  }
}

/** Two calls at once: the second's handler runs while the first waits for the disk (or its drains start). */
export class Together extends Move {
  constructor(readonly calls: [ClusterCall, ClusterCall]) {
    super();
  }
  async run(_: ClusterModel, h: Harness) {
    await h.calls(this.calls, true);
  }
  toString() {
    return `together(${this.calls.map((c) => `${c.method}(${list(c.entries)})`).join(', ')})`;
  }
}

export class DeleteComplete extends Move {
  constructor(readonly entries: WireEntry[]) {
    super();
  }
  async run(_: ClusterModel, h: Harness) {
    await h.deleteComplete(this.entries);
  }
  toString() {
    return `deleteComplete(${list(this.entries)})`;
  }
}

export class SetValues extends Move {
  constructor(readonly entries: WireEntry[]) {
    super();
  }
  async run(_: ClusterModel, h: Harness) {
    await h.setValues(this.entries);
  }
  toString() {
    return `setValues(${this.entries.map((e) => `${e.node_id}${e.client_id === undefined ? '(outside)' : ''}=${e.value}`).join(' ')})`;
  }
}

/** A node the cluster deleted is given back to the slice (SetResourceValues names it with its client_id). */
export class ReAdd extends Move {
  constructor(readonly pick: number) {
    super();
  }
  override check(model: Readonly<ClusterModel>) {
    return deletedNodes(model).length > 0;
  }
  async run(model: ClusterModel, h: Harness) {
    const nodes = deletedNodes(model);
    await h.setValues([entryFor(nodes[this.pick % nodes.length]!, { value: 0.5 })]);
  }
  toString() {
    return `reAdd(#${this.pick})`;
  }
}

export class Advance extends Move<InProcess> {
  constructor(readonly ms: number) {
    super();
  }
  async run(_: ClusterModel, h: InProcess) {
    await h.world.advance(this.ms);
    await h.after();
  }
  toString() {
    return `advance(${this.ms})`;
  }
}

export class Behave extends Move<InProcess> {
  constructor(
    readonly nodeId: string,
    readonly behaviour: NodeBehaviour,
  ) {
    super();
  }
  async run(_: ClusterModel, h: InProcess) {
    h.world.runner.setBehaviour(this.nodeId, this.behaviour);
    await h.after();
  }
  toString() {
    return `behave(${this.nodeId}, ${this.behaviour})`;
  }
}

export class Restart extends Move {
  constructor(readonly kind: 'crash' | 'clean') {
    super();
  }
  async run(_: ClusterModel, h: Harness) {
    await h.restart(this.kind);
  }
  toString() {
    return `restart(${this.kind})`;
  }
}

/** The journal's disk fails once (a write may first go through in part), or twice: write, then the repair. */
export class DiskFails extends Move<InProcess> {
  constructor(
    readonly operation: 'write' | 'datasync' | 'open' | 'truncate',
    readonly code: 'ENOSPC' | 'EIO',
    readonly partial: boolean,
  ) {
    super();
  }
  async run(_: ClusterModel, h: InProcess) {
    const { files } = h.world;
    if (this.operation === 'write' || this.operation === 'datasync') {
      files.fail(this.operation, this.code, 1, this.partial && this.operation === 'write' ? { partialBytes: 7 } : {});
    } else {
      // The file is repaired (truncated, or opened again after EIO) only once a write failed.
      files.fail('write', this.code, 1);
      files.fail(this.operation, this.code, 1);
    }
    await h.after();
  }
  toString() {
    return `diskFails(${this.operation}, ${this.code}${this.partial ? ', after a short write' : ''})`;
  }
}

function deletedNodes(model: Readonly<ClusterModel>): string[] {
  return [...model.nodes.values()]
    .filter((n) => (n.configured || n.adopted) && (n.deletedAt !== null || n.inferredDeleted))
    .map((n) => n.nodeId);
}

// Most moves concern pc1, so that sequences pile up on one node as well as spreading across many.
const nodeId = fc.oneof(
  { arbitrary: fc.constant('pc1'), weight: 3 },
  { arbitrary: fc.constantFrom(...NODE_IDS), weight: 4 },
);
const WAITS = [0, 5, 30, 120, 600] as const;

const someEntries = fc
  .array(fc.record({ id: fc.constantFrom(...NODE_IDS), wait: fc.constantFrom(...WAITS) }), {
    minLength: 1,
    maxLength: 4,
  })
  .map((es) => es.map(({ id, wait }) => entryFor(id, { max_wait_time: wait })));
const someCall = fc.oneof(
  { arbitrary: someEntries.map((entries): ClusterCall => ({ method: 'NotifyDeletePending', entries })), weight: 3 },
  { arbitrary: someEntries.map((entries): ClusterCall => ({ method: 'NotifyDeleteComplete', entries })), weight: 1 },
);

/** The cluster's moves and the process's, in any world. */
export const clusterMoves = (waits: readonly number[]): Array<fc.Arbitrary<Step>> => [
  fc
    .array(fc.record({ id: nodeId, wait: fc.constantFrom(...waits) }), { minLength: 1, maxLength: 5 })
    .map((es) => new Countdown(es.map(({ id, wait }) => entryFor(id, { max_wait_time: wait })))),
  fc
    .array(fc.record({ id: nodeId, wait: fc.constantFrom(...waits) }), { minLength: 1, maxLength: 5 })
    .map((es) => new Countdown(es.map(({ id, wait }) => entryFor(id, { max_wait_time: wait })))),
  fc.tuple(fc.nat(2), fc.constantFrom(0, 1_000, 5_000, 61_000)).map(([back, ms]) => new LateRetry(back, ms)),
  fc
    .uniqueArray(nodeId, { minLength: 1, maxLength: 3 })
    .map((ids) => new DeleteComplete(ids.map((id) => entryFor(id, { max_wait_time: 0 })))),
  fc
    .array(fc.record({ id: nodeId, inSlice: fc.boolean(), value: fc.constantFrom(0, 0.25, 1) }), {
      minLength: 1,
      maxLength: 3,
    })
    .map(
      (es) =>
        new SetValues(es.map(({ id, inSlice, value }) => (inSlice ? entryFor(id, { value }) : { node_id: id, value }))),
    ),
  fc.nat(7).map((pick) => new ReAdd(pick)),
  fc.constantFrom('crash' as const, 'clean' as const).map((kind) => new Restart(kind)),
];

/** Every move of the cluster, the nodes, the clock, the disk and the process, weighted toward calls. */
export const moves = (): Array<fc.Arbitrary<fc.AsyncCommand<ClusterModel, InProcess>>> => [
  ...clusterMoves(WAITS),
  fc.constantFrom(500, 1_000, 2_000, 5_000, 30_000, 61_000, 125_000).map((ms) => new Advance(ms)),
  fc.constantFrom(500, 1_000, 2_000, 5_000, 30_000, 61_000, 125_000).map((ms) => new Advance(ms)),
  fc.tuple(someCall, someCall).map((calls) => new Together(calls)),
  fc
    .tuple(
      nodeId.filter((id) => id !== UNKNOWN[1]),
      fc.constantFrom(...BEHAVIOURS),
    )
    .map(([id, behaviour]) => new Behave(id, behaviour)),
  fc
    .tuple(
      fc.constantFrom('write' as const, 'datasync' as const, 'open' as const, 'truncate' as const),
      fc.constantFrom('ENOSPC' as const, 'EIO' as const),
      fc.boolean(),
    )
    .map(([op, code, partial]) => new DiskFails(op, code, partial)),
];

type Manifest = ModelHarness<AgentWorld>;

/** The cluster takes a node from the slice: the manifest stops listing it, and no call says so. */
export class Unlist extends Move<Manifest> {
  constructor(readonly nodeId: string) {
    super();
  }
  async run(model: ClusterModel, h: Manifest) {
    const manifest = h.world.manifest!;
    if (!manifest.listed.delete(this.nodeId)) return;
    manifest.changed = true;
    model.unlisted(this.nodeId);
    await h.after();
  }
  toString() {
    return `unlist(${this.nodeId})`;
  }
}

/**
 * The cluster gives a node (back) to the slice: the manifest lists it, a new physical life whose
 * earlier verifies prove nothing. Only once the agent could know it had left: a read that succeeded
 * saw it out of the manifest (without one, nothing the agent can see tells the two lives apart).
 */
export class Relist extends Move<Manifest> {
  constructor(readonly nodeId: string) {
    super();
  }
  async run(model: ClusterModel, h: Manifest) {
    const manifest = h.world.manifest!;
    if (manifest.listed.has(this.nodeId) || !model.mayComeBack(this.nodeId, h.world.now())) return;
    // What the agent saw of it leaving must be on disk: a restart that forgot it could not tell the lives apart.
    await h.world.store.flush().catch(() => undefined);
    if (!h.world.store.nodeStateDurable || !h.world.journalHealthy()) return;
    // An unknown node stays released until deleted: given back without its deletion, it cannot be told apart.
    if (h.world.agent.slice.lives.get(this.nodeId)?.life === 'unknown') return;
    manifest.listed.add(this.nodeId);
    manifest.changed = true;
    model.listed(this.nodeId, (id) => h.world.newIncarnation(id));
    await h.after();
  }
  toString() {
    return `relist(${this.nodeId})`;
  }
}

/** Reading the manifest fails from now on (geni-get cannot reach the cluster), or works again. */
export class ReadFails extends Move<Manifest> {
  constructor(readonly failing: boolean) {
    super();
  }
  async run(_: ClusterModel, h: Manifest) {
    h.world.manifest!.failing = this.failing;
    await h.after();
  }
  toString() {
    return `readFails(${this.failing})`;
  }
}

/** A read of the manifest that nothing asked for (SIGHUP, or the reloadSeconds timer). */
export class Reload extends Move<Manifest> {
  async run(_: ClusterModel, h: Manifest) {
    await h.world.agent.reloadNodes();
    await h.after();
  }
  toString() {
    return 'reload()';
  }
}

/** Every move of the in-process world, and the manifest's: nodes leave and come back, reads fail and recover. */
export const manifestMoves = (): Array<fc.Arbitrary<fc.AsyncCommand<ClusterModel, InProcess>>> => [
  ...moves(),
  nodeId.map((id) => new Unlist(id)),
  nodeId.map((id) => new Relist(id)),
  fc.boolean().map((failing) => new ReadFails(failing)),
  fc.constant(new Reload()),
  fc.constant(new Reload()),
];
