import type { Logger } from 'pino';
import { stateHasTag } from '../../machines/node.tags.js';
import type { WebhookConfig } from '../config/observe-schema.js';
import type { DrainCommandEvent } from '../drain/step-actors.js';
import type { StateChange } from '../slice/node-actor.js';
import { peek } from '../slice/node-reading.js';
import type { Slice } from '../slice/slice.js';
import type { JournalStatus } from '../store/journal-health.js';
import { DrainDurations } from './drain-eta.js';
import { AgentMetrics, type CallAnswered } from './metrics.js';
import { topState } from './node-events.js';
import { nodeStateNames } from './node-states.js';
import { NodeTracker, type TimelineEntry } from './node-tracker.js';
import { type NodeView, nodeView } from './node-view.js';
import { WebhookSender } from './webhooks.js';

/** Something happened to a node: a state change (`from`, `to`) or a drain command; what it added to its timeline. */
export interface NodeUpdate {
  type: 'state' | 'step';
  nodeId: string;
  entries: TimelineEntry[];
  from?: string;
  to?: string;
}

export interface ObserverDeps {
  logger: Logger;
  now: () => number;
  /** The slice, read when asked (the observer is built before it). */
  slice: () => Pick<Slice, 'list' | 'get' | 'isReleased'>;
  webhooks?: WebhookConfig[];
  webhookBackoffMs?: number;
  /** The journal's health, when the agent keeps one (shadow mode does not). */
  journal?: () => JournalStatus;
  /** Passed every change and command after the observer has seen it. */
  onChange?: (change: StateChange) => void;
  onCommand?: (event: DrainCommandEvent) => void;
}

/** Watches the slice: timelines, metrics, webhooks and the live stream of node updates. */
export class Observer {
  private metricsSink: AgentMetrics | null = null;
  readonly webhooks: WebhookSender;
  private readonly tracker = new NodeTracker();
  private readonly durations = new DrainDurations();
  private readonly listeners = new Set<(update: NodeUpdate) => void>();

  constructor(private readonly deps: ObserverDeps) {
    this.webhooks = new WebhookSender(deps.webhooks ?? [], { logger: deps.logger, backoffMs: deps.webhookBackoffMs });
  }

  /**
   * The Prometheus figures, counted from the first time they are asked for: the status server asks
   * as it starts. An agent that serves no /metrics keeps no registry.
   */
  get metrics(): AgentMetrics {
    return (this.metricsSink ??= new AgentMetrics(() => this.countByState(), this.deps.journal));
  }

  readonly onChange = (change: StateChange): void => {
    const at = this.deps.now();
    const record = this.tracker.get(change.nodeId);
    const startedAt = record.drainStartedAt;
    const { events, entries } = this.tracker.onChange(change, at);
    const drainEnded = stateHasTag(change.from, 'drainRunning') && !change.snapshot.hasTag('drainRunning');
    if (drainEnded && startedAt !== null) {
      this.metricsSink?.onDrainEnded(topState(change.to), (at - startedAt) / 1000);
      if (events.includes('drained')) this.durations.add(at - startedAt);
    }
    const { deadline, forcedReason } = change.snapshot.context;
    for (const name of events) this.metricsSink?.onNodeEvent({ name, at, deadline, forcedReason });
    // A node's view is built only when a webhook will carry it (thousands of nodes may change at once).
    const posted = events.filter((name) => this.webhooks.wants(name));
    const view = posted.length > 0 ? this.view(change.nodeId) : null;
    if (view) for (const name of posted) this.webhooks.notify(name, at, view);
    this.publish({ type: 'state', nodeId: change.nodeId, entries, from: change.from, to: change.to });
    this.deps.onChange?.(change);
  };

  readonly onCommand = (event: DrainCommandEvent): void => {
    const entry = this.tracker.onCommand(event);
    this.publish({ type: 'step', nodeId: event.nodeId, entries: [entry] });
    this.deps.onCommand?.(event);
  };

  readonly onCallAnswered = (call: CallAnswered): void => this.metricsSink?.onCallAnswered(call);

  /** The agent's clock (epoch ms): deadlines and ETAs are on it. */
  now(): number {
    return this.deps.now();
  }

  /** Whether the journal takes writes; null without a journal. */
  journal(): JournalStatus | null {
    return this.deps.journal?.() ?? null;
  }

  /** Every node of the slice as it is now. */
  nodes(options: { withTimeline?: boolean } = {}): NodeView[] {
    return this.deps
      .slice()
      .list()
      .map((node) => this.viewOf(node, options.withTimeline ?? false));
  }

  view(nodeId: string, withTimeline = false): NodeView | null {
    const node = this.deps.slice().get(nodeId);
    return node ? this.viewOf(node, withTimeline) : null;
  }

  /** Live updates; returns the function that unsubscribes. */
  subscribe(listener: (update: NodeUpdate) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Node count per state name; every state of the chart appears, with 0 when empty. */
  countByState(): Map<string, number> {
    const counts = new Map(nodeStateNames().map((name) => [name, 0]));
    for (const node of this.deps.slice().list()) {
      // A node whose actor has not started is allocated and idle: counting it must not start it.
      const { state } = peek(node);
      counts.set(state, (counts.get(state) ?? 0) + 1);
    }
    return counts;
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await this.webhooks.close();
  }

  private viewOf(node: Parameters<typeof nodeView>[0], withTimeline: boolean): NodeView {
    return nodeView(node, this.tracker.get(node.nodeId), {
      now: this.deps.now(),
      released: this.deps.slice().isReleased(node.nodeId),
      observedDrainMs: this.durations.meanMs(),
      withTimeline,
    });
  }

  private publish(update: NodeUpdate): void {
    for (const listener of this.listeners) {
      try {
        listener(update);
      } catch (error) {
        this.deps.logger.error({ err: error }, 'node update listener failed');
      }
    }
  }
}
