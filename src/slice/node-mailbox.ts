import type { NodeEvent } from '../../machines/node.types.js';
import { DeferredEvents } from './deferred-events.js';
import { type Route, type RoutedNode, route, startsDrain } from './event-route.js';
import type { LazyNode } from './lazy-node.js';
import type { NodeActor } from './node-actor.js';

type Countdown = Extract<NodeEvent, { type: 'DELETE_PENDING' }>;

/**
 * How the cluster's events reach the nodes' actors: route() (event-route.ts) plans each event
 * (delivered now, deferred until after the reply, or skipped) and this executor carries the plan
 * out. The only place a node's actor starts (ensureStarted: never as a side effect of reading a node).
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

  /** An event for the node: delivered now, after the reply, or not at all (route() decides). */
  send(node: LazyNode, event: NodeEvent): Route {
    return this.execute(node, event, route(this.routed(node), event));
  }

  /** The delivery of one countdown call: at most `startBeforeReply` of its drains start before the reply. */
  countdown(): (node: LazyNode, event: Countdown) => void {
    let started = 0;
    return (node, event) => {
      const routed = this.routed(node);
      const plan = route(routed, event, started < this.startBeforeReply);
      if (plan === 'now' && startsDrain(routed, event)) started += 1;
      this.execute(node, event, plan);
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

  private routed(node: LazyNode): RoutedNode {
    return { holds: this.later.holds(node), snapshot: node.snapshot, input: node.input };
  }

  /** Carries a route out: the one place a node's actor starts for an event. */
  private execute(node: LazyNode, event: NodeEvent, plan: Route): Route {
    if (plan === 'later') this.later.push(node, event);
    else if (plan === 'now') {
      this.later.deliverNow(node);
      this.deliver(node, event);
    } else if (event.type === 'VALUE_SET' && node.snapshot === undefined) node.input.value = event.value;
    return plan;
  }

  private deliver(node: LazyNode, event: NodeEvent): void {
    const actor = node.ensureStarted();
    if (actor.getSnapshot().status === 'active') actor.send(event);
  }
}
