import type { NodeSignal } from '../../machines/node.types.js';
import type { WebhookEventName } from '../config/observe-schema.js';
import type { StateChange } from '../slice/node-actor.js';

/** The documented top-level state of a state name: `draining.countdown` → `draining`. */
export const topState = (name: string): string => name.split('.')[0] ?? name;

/** Node events operators subscribe to (webhooks), counted in metrics and shown on timelines. */
export type NodeEventName = WebhookEventName;

const EVENT_NAMES: Record<NodeSignal['type'], NodeEventName> = {
  drainStarted: 'drain-started',
  drained: 'drained',
  failed: 'failed',
  forced: 'forced',
  released: 'released',
  workLost: 'work-lost',
};

/** The events one state change means, in the order they happened: what the chart announced. */
export function nodeEventsOf(change: StateChange): NodeEventName[] {
  return change.signals.map((signal) => EVENT_NAMES[signal.type]);
}
