import { ignoresCountdown } from '../../machines/node.chart.js';
import type { NodeEvent } from '../../machines/node.types.js';
import { DeferredEvents } from './deferred-events.js';
import type { LazyNode } from './lazy-node.js';
import type { NodeActor } from './node-actor.js';

type Countdown = Extract<NodeEvent, { type: 'DELETE_PENDING' }>;
type ValueSet = Extract<NodeEvent, { type: 'VALUE_SET' }>;

/**
 * How the cluster's events reach the nodes' actors: delivered now, deferred until after the reply,
 * or skipped; and when an actor starts (ensureStarted: never as a side effect of reading a node).
 *
 * The rule this serves: a reply is read from the state that exists once each node named has had its
 * event, and never waits for SSH. Deferring only changes when a drain starts, never a reply: a node
 * whose drain waits to start is allocated, so not released, either way.
 *
 * Why defer at all (measured with `npm run bench`, see docs/benchmarks.md): starting a drain
 * costs an xstate transition, a drain actor, a step actor, an observer update, a journal record
 * and log lines. A first countdown naming 10,000 nodes answered in ≈ 12 s when every drain started
 * before the reply, ≈ 0.3 s with 2 started before it and the others right after, 2 ms of work per
 * turn of the event loop. On one loopback sshd, the first command reached a node (50 nodes, three
 * trials) in 100–143 ms with 16 drains before the reply and 10 ms slices, 45–66 ms with 4 and 3 ms,
 * 37–47 ms with 2 and 2 ms, the makespan within 5 % of the others: the first channels get through
 * while the rest start.
 */
export class NodeMailbox {
  private readonly later = new DeferredEvents<LazyNode>((node, event) => this.deliver(node, event));

  /** `startBeforeReply`: drains one countdown call starts before its reply. */
  constructor(private readonly startBeforeReply: number) {}

  /** Whether the node has events waiting (its next events wait behind them). */
  holds(node: LazyNode): boolean {
    return this.later.holds(node);
  }

  /** Events waiting to be delivered after the reply. */
  get waiting(): number {
    return this.later.size;
  }

  /** Delivers now, or behind the node's events still waiting. */
  send(node: LazyNode, event: NodeEvent): void {
    if (this.later.holds(node)) this.later.push(node, event);
    else this.deliver(node, event);
  }

  /**
   * A value from the cluster. An unstarted node takes it as its starting value, unless a value may
   * start its prepare steps; the same value again changes nothing, except where it may start them.
   */
  value(node: LazyNode, event: ValueSet, mayPrepare: boolean): void {
    if (node.snapshot === undefined && !mayPrepare) {
      node.input.value = event.value;
      return;
    }
    // A resting node is read where it rests: only a value it does not have yet wakes it.
    const snapshot = node.snapshot ?? node.ensureStarted().getSnapshot();
    const unchanged = snapshot.context.value === event.value && !snapshot.matches({ allocated: 'idle' });
    if (unchanged && !this.later.holds(node)) return;
    this.send(node, event);
  }

  /** The delivery of one countdown call: at most `startBeforeReply` of its drains start before the reply. */
  countdown(): (node: LazyNode, event: Countdown) => void {
    let started = 0;
    return (node, event) => {
      const waits = event.maxWaitTime > 0;
      if (this.later.holds(node)) {
        if (waits) return this.later.push(node, event);
        // The cluster cannot wait: the node's waiting events go now, so this reply can release it.
        this.later.deliverNow(node);
      }
      const mayStartDrain = started < this.startBeforeReply;
      // An unstarted node is allocated: a countdown that waits for it needs no actor before the reply.
      if (node.snapshot === undefined && waits && !mayStartDrain) return this.later.push(node, event);
      // Drained, forced or deleted: the node keeps its state (most of a countdown's nodes after the
      // first), and a resting one is not woken for it.
      if (node.snapshot !== undefined && ignoresCountdown(node.snapshot)) return;
      const actor = node.ensureStarted();
      const snapshot = actor.getSnapshot();
      if (ignoresCountdown(snapshot)) return;
      if (waits && snapshot.matches('allocated')) {
        if (!mayStartDrain) return this.later.push(node, event);
        started += 1;
      }
      actor.send(event);
    };
  }

  /**
   * Starts a node's actor now: a node rebuilt after a restart (its timers re-arm, its drain resumes),
   * or the next incarnation of a node given back. The one place outside delivery that starts one.
   */
  start(node: LazyNode): NodeActor {
    return node.ensureStarted();
  }

  /** Drops everything waiting (the slice is stopping). */
  clear(): void {
    this.later.clear();
  }

  private deliver(node: LazyNode, event: NodeEvent): void {
    const actor = node.ensureStarted();
    if (actor.getSnapshot().status === 'active') actor.send(event);
  }
}
