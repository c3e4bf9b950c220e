import { stateHasTag } from '../../machines/node.tags.js';
import type { DrainCommandEvent } from '../drain/step-actors.js';
import { peek } from '../slice/node-reading.js';
import type { SliceNode } from '../slice/slice.js';
import { drainEta, type Eta, plannedDrainMs } from './drain-eta.js';
import { topState } from './node-events.js';
import type { NodeRecord, TimelineEntry } from './node-tracker.js';

/** One node as the status API, the SSE stream, webhooks and `status` show it. */
export interface NodeView {
  nodeId: string;
  /** 1, or more for a node deleted and later given back to the slice. */
  incarnation: number;
  clientId: string | null;
  host: string;
  /** Top-level state (`draining`) and the rest of the path (`countdown`), and both (`draining.countdown`). */
  state: string;
  subState: string | null;
  stateName: string;
  value: number | null;
  revokedAt: number | null;
  /** When the cluster takes the node (epoch ms). */
  deadline: number | null;
  secondsLeft: number | null;
  maxWaitTime: number | null;
  /** The drain command running now, or the last one that ran. */
  step: Omit<DrainCommandEvent, 'nodeId'> | null;
  eta: number | null;
  etaBasis: Eta['basis'] | null;
  released: boolean;
  releasedAt: number | null;
  /** The chart's facts of its state (tags): its drain runs; its drain ended unverified (held, forced); deleted. */
  drainRunning: boolean;
  unverified: boolean;
  gone: boolean;
  failure: string | null;
  forcedReason: string | null;
  workLost: boolean;
  deletedAt: number | null;
  timeline?: TimelineEntry[];
}

export interface ViewContext {
  now: number;
  released: boolean;
  observedDrainMs: number | null;
  withTimeline: boolean;
}

const withoutNodeId = ({ nodeId: _, ...rest }: DrainCommandEvent): Omit<DrainCommandEvent, 'nodeId'> => rest;

export function nodeView(node: SliceNode, record: NodeRecord, view: ViewContext): NodeView {
  // A node nothing has needed yet has no actor: its view is read from what its actor would start with.
  const { context, state: name } = peek(node);
  const state = topState(name);
  const drainRunning = stateHasTag(name, 'drainRunning');
  const eta =
    drainRunning && record.drainStartedAt !== null
      ? drainEta({
          now: view.now,
          drainStartedAt: record.drainStartedAt,
          deadline: context.deadline,
          observedMeanMs: view.observedDrainMs,
          plannedMs: plannedDrainMs(context.plan),
        })
      : null;
  return {
    nodeId: node.nodeId,
    incarnation: context.incarnation,
    clientId: node.clientId,
    host: node.target.host,
    state,
    subState: name.length > state.length ? name.slice(state.length + 1) : null,
    stateName: name,
    value: context.value,
    revokedAt: context.revokedAt,
    deadline: context.deadline,
    secondsLeft: context.deadline === null ? null : Math.max(0, Math.round((context.deadline - view.now) / 1000)),
    maxWaitTime: context.maxWaitTime,
    step: record.command === null ? null : withoutNodeId(record.command),
    eta: eta?.at ?? null,
    etaBasis: eta?.basis ?? null,
    released: view.released,
    releasedAt: record.releasedAt,
    drainRunning,
    unverified: stateHasTag(name, 'unverified'),
    gone: stateHasTag(name, 'gone'),
    failure: context.failure,
    forcedReason: context.forcedReason,
    workLost: context.workLost,
    deletedAt: context.deletedAt,
    ...(view.withTimeline ? { timeline: [...record.timeline] } : {}),
  };
}
