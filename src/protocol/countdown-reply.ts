import type { NodeEntry } from './client-methods.js';
import { type WireStruct, wireInt } from './envelope.js';

/**
 * The `value` of a NotifyDeletePending reply: the request's nodelist echoed entry for entry, with
 * `max_wait_time` 0 for every node the agent releases now; the others keep the wait they came with.
 */
export function countdownReplyValue(nodes: readonly NodeEntry[], released: ReadonlySet<string>): WireStruct[] {
  return nodes.map((node) => {
    const entry: Record<string, string | ReturnType<typeof wireInt>> = { node_id: node.node_id };
    if (node.client_id !== undefined) entry.client_id = node.client_id;
    if (node.component_urn !== undefined) entry.component_urn = node.component_urn;
    entry.max_wait_time = wireInt(released.has(node.node_id) ? 0 : (node.max_wait_time ?? 0));
    return entry;
  });
}
