import type { WebhookEventName } from '../config/observe-schema.js';
import type { StateChange } from '../slice/node-actor.js';
import { RELEASED_TAG } from '../../machines/node.types.js';

/** The documented top-level state of a state name: `draining.countdown` → `draining`. */
export const topState = (name: string): string => name.split('.')[0] ?? name;

/** Node events operators subscribe to (webhooks), counted in metrics and shown on timelines. */
export type NodeEventName = WebhookEventName;

/** What was known of a node before a change; the events are what the change adds to it. */
export interface NodeMemory {
  released: boolean;
  failure: string | null;
}

export const isReleasedSnapshot = (change: StateChange): boolean =>
  change.snapshot.status === 'active' && change.snapshot.hasTag(RELEASED_TAG);

/** The events one state change means, in the order they happened. */
export function nodeEventsOf(change: StateChange, before: NodeMemory): NodeEventName[] {
  const from = topState(change.from);
  const to = topState(change.to);
  const { failure, workLost } = change.snapshot.context;
  const events: NodeEventName[] = [];
  if (to === 'draining' && from !== 'draining') events.push('drain-started');
  if (to === 'drained' && from !== 'drained') events.push('drained');
  if (failure !== null && failure !== before.failure) events.push('failed');
  if (to === 'forced' && from !== 'forced') events.push('forced');
  if (!before.released && isReleasedSnapshot(change)) events.push('released');
  if (to === 'deleted' && workLost) events.push('work-lost');
  return events;
}
