import { valueStartsPrepare } from '../../machines/node.context.js';
import { ignoresCountdown, stateHasTag } from '../../machines/node.tags.js';
import type { NodeTag } from '../../machines/node.types.js';
import { FRESH_NODE_STATE, type NodeEvent, type NodeInput } from '../../machines/node.types.js';
import type { NodeSnapshot } from './node-actor.js';

/**
 * Where one of the cluster's events goes:
 * - `now`: to the node's actor now (started or woken for it), after the events that wait for it;
 * - `later`: behind the node's waiting events, after the reply;
 * - `skip`: nowhere, the node would not change (a countdown it ignores, a value it has). A value
 *   for a node whose actor never started is kept in its input, as the value it starts with.
 */
export type Route = 'now' | 'later' | 'skip';

/** What route() reads of a node: never its actor, so deciding starts nothing. */
export interface RoutedNode {
  /** Events wait for it (see deferred-events.ts). */
  readonly holds: boolean;
  /** Its state, running or resting; undefined before its actor first started (it is allocated and idle). */
  readonly snapshot: NodeSnapshot | undefined;
  readonly input: NodeInput;
}

/** Whether the node is in a state tagged `tag`: a node whose actor never started is in the fresh state. */
function nodeHasTag(node: Pick<RoutedNode, 'snapshot'>, tag: NodeTag): boolean {
  return node.snapshot === undefined ? stateHasTag(FRESH_NODE_STATE, tag) : node.snapshot.hasTag(tag);
}

/**
 * The delivery plan for one event, read from the chart's tags (no state names). `drainsLeft`: whether
 * this call may still start a drain before its reply (a countdown that waits for a node tagged
 * `startsDrain` goes `later` otherwise: see node-mailbox.ts for why).
 */
export function route(node: RoutedNode, event: NodeEvent, drainsLeft = true): Route {
  switch (event.type) {
    case 'DELETE_PENDING': {
      const waits = event.maxWaitTime > 0;
      // The cluster cannot wait: the node's waiting events go now, so this reply can release it.
      if (node.holds) return waits ? 'later' : 'now';
      // Drained, forced or deleted: the node keeps its state, and a resting one is not woken for it.
      if (node.snapshot !== undefined && ignoresCountdown(node.snapshot)) return 'skip';
      return waits && !drainsLeft && nodeHasTag(node, 'startsDrain') ? 'later' : 'now';
    }
    case 'VALUE_SET': {
      if (node.snapshot === undefined && !valueStartsPrepare(node.input, event.value)) return 'skip';
      // The same value again changes nothing, except where a value may start the prepare steps.
      const unchanged = node.snapshot?.context.value === event.value && !nodeHasTag(node, 'idle');
      if (unchanged && !node.holds) return 'skip';
      return node.holds ? 'later' : 'now';
    }
    case 'DELETE_COMPLETE':
      return node.holds ? 'later' : 'now';
  }
}

/** Whether delivering `event` now to the node starts its drain (counted against the drains before a reply). */
export function startsDrain(node: RoutedNode, event: NodeEvent): boolean {
  return event.type === 'DELETE_PENDING' && event.maxWaitTime > 0 && nodeHasTag(node, 'startsDrain');
}
