import type { AnyStateNode, SnapshotFrom } from 'xstate';
import { nodeMachine } from './node.machine.js';
import type { NodeStateName } from './node.states.js';
import type { NodeTag, RestorableState } from './node.types.js';

type NodeSnapshot = SnapshotFrom<typeof nodeMachine>;

/** Dotted paths of the chart's states tagged `tag`, read from the chart. */
export function statesTagged(tag: NodeTag): string[] {
  const found: string[] = [];
  const visit = (node: AnyStateNode): void => {
    if (node.path.length > 0 && node.tags.includes(tag)) found.push(node.path.join('.'));
    for (const child of Object.values(node.states)) visit(child);
  };
  visit(nodeMachine.root);
  return found;
}

/** Each state's tags with those of the states it is in (`draining.countdown` has `draining`'s), as a snapshot has them. */
const TAGS_OF: ReadonlyMap<string, ReadonlySet<NodeTag>> = (() => {
  const tags = new Map<string, ReadonlySet<NodeTag>>();
  const visit = (node: AnyStateNode, inherited: readonly NodeTag[]): void => {
    const own = [...inherited, ...(node.tags as NodeTag[])];
    if (node.path.length > 0) tags.set(node.path.join('.'), new Set(own));
    for (const child of Object.values(node.states)) visit(child, own);
  };
  visit(nodeMachine.root, []);
  return tags;
})();

/**
 * Whether the state named `state` (a journal record's, a status view's, a state change's) has `tag`:
 * the same answer `snapshot.hasTag(tag)` gives in that state. Unknown names have no tags.
 */
export function stateHasTag(state: NodeStateName | string, tag: NodeTag): boolean {
  return TAGS_OF.get(state)?.has(tag) ?? false;
}

/** States a node can be restored into after a restart (what the journal records): tagged `restorable`. */
export const RESTORABLE_STATES: readonly RestorableState[] = statesTagged('restorable');

const restorable: ReadonlySet<string> = new Set(RESTORABLE_STATES);

export function isRestorable(state: string): state is RestorableState {
  return restorable.has(state);
}

/**
 * Whether the cluster may take the node now: deleted, or in a state tagged `released`. The one
 * definition of released: the countdown reply, the status API and the journal's reply read it.
 */
export function isReleased(snapshot: NodeSnapshot): boolean {
  return snapshot.status === 'done' || snapshot.hasTag('released');
}

/** Whether a countdown would change nothing for the node (state tagged `ignoresCountdown`, or stopped). */
export function ignoresCountdown(snapshot: NodeSnapshot): boolean {
  return snapshot.status !== 'active' || snapshot.hasTag('ignoresCountdown');
}
