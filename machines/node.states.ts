import type { SnapshotFrom } from 'xstate';
import type { nodeMachine } from './node.machine.js';

/** `{ draining: 'countdown' }` → `draining.countdown`: a state value as a dotted name. */
type DottedNames<V> = V extends string ? V : { [K in keyof V & string]: `${K}.${DottedNames<V[K]>}` }[keyof V & string];

/**
 * Every state a node can be in, as the journal, the status API and the logs write it
 * (`draining.countdown`), made from the chart's own type: a state renamed in the chart changes this
 * type, and every comparison with its old name stops compiling. `booting` is the transient state a
 * node starts in (withBooting in node.boot.ts).
 */
export type NodeStateName = 'booting' | DottedNames<SnapshotFrom<typeof nodeMachine>['value']>;

/** NodeStateName as a list, in the chart's order (a test holds it to the chart; the type to the list). */
export const NODE_STATE_NAMES = [
  'booting',
  'allocated.idle',
  'allocated.preparing',
  'allocated.prepared',
  'allocated.prepareFailed',
  'draining.countdown',
  'draining.bestEffort',
  'drainFailed',
  'held',
  'drained',
  'forced',
  'deleted',
] as const satisfies readonly NodeStateName[];

/** A compile error names any state of the chart missing from NODE_STATE_NAMES. */
type Unlisted = Exclude<NodeStateName, (typeof NODE_STATE_NAMES)[number]>;
export const EVERY_STATE_LISTED: [Unlisted] extends [never] ? true : Unlisted = true;
