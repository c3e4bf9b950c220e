import type { NodeTag } from './node.types.js';
import { FRESH_NODE_STATE } from './node.types.js';

interface TaggedConfig {
  tags?: readonly string[];
  states?: Record<string, TaggedConfig>;
}

/** Dotted paths of the states tagged `tag` in a states config, in the order they are declared. */
export function taggedPaths(states: Record<string, TaggedConfig>, tag: NodeTag, prefix = ''): string[] {
  return Object.entries(states).flatMap(([key, config]) => [
    ...(config.tags?.includes(tag) ? [`${prefix}${key}`] : []),
    ...(config.states ? taggedPaths(config.states, tag, `${prefix}${key}.`) : []),
  ]);
}

/**
 * The chart's states with `booting` in front: a new node goes to `allocated`; one rebuilt after a
 * restart goes to the state it was journaled in. Its transitions are made from the `restorable`
 * tags, so a state tagged restorable is one a node can be rebuilt in, with nothing else to keep in step.
 */
export function withBooting<S>(states: S): S {
  const tagged = taggedPaths(states as Record<string, TaggedConfig>, 'restorable');
  const restorable = tagged.filter((path) => path !== FRESH_NODE_STATE);
  const booting = {
    description: 'A new node starts allocated; one rebuilt after a restart returns to its journaled state.',
    always: [
      ...restorable.map((path) => ({ guard: { type: 'restoredIn', params: { states: [path] } }, target: path })),
      { target: FRESH_NODE_STATE.split('.')[0]! },
    ],
  };
  return { booting, ...states } as S;
}
