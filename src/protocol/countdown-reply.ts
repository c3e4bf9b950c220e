import { type ProtoGeniReply, successReply, type WireValue, wireInt } from './envelope.js';
import type { Countdown, CountdownEntry } from './lenient-params.js';
import { isStruct } from './params-shape.js';
import { Echo } from './wire-echo.js';

/** How many problems the `output` names before it only counts the rest. */
const NAMED_AT_MOST = 3;

/**
 * The NotifyDeletePending reply: code 0, and as `value` the request's nodelist echoed entry for
 * entry, every member as it came (unknown ones too), with `max_wait_time` int 0 for each read entry
 * whose node the agent releases now. An entry that could not be read was not applied: it is
 * echoed unchanged, never released. `output` names each such entry and each part of an entry the
 * reply cannot carry (left out of the echo), the first few by name; it is empty when there is neither.
 */
export function countdownReply(countdown: Countdown, released: ReadonlySet<string>): ProtoGeniReply {
  const { nodelist, entries } = countdown;
  const named: string[] = [];
  let unnamed = 0;
  const note = (problem: string): void => void (named.length < NAMED_AT_MOST ? named.push(problem) : (unnamed += 1));
  const echo = new Echo('nodelist', (path, reason) => note(`${path}: ${reason} (left out of the reply)`));
  const value: WireValue[] = [];
  let notApplied = 0;
  for (let index = 0; index < nodelist.length; index++) {
    const { node, problem } = entries[index] as CountdownEntry;
    const raw = nodelist[index];
    if (node !== undefined && isStruct(raw)) {
      const echoed = echo.struct(index, raw);
      if (released.has(node.node_id)) echoed.max_wait_time = wireInt(0);
      value.push(echoed);
      continue;
    }
    notApplied += 1;
    if (problem !== undefined) note(`${problem} (entry not applied)`);
    const echoed = echo.value(nodelist, index);
    if (echoed !== undefined) value.push(echoed);
  }
  const more = unnamed > 0 ? `; and ${unnamed} more (${notApplied} of ${nodelist.length} entries not applied)` : '';
  return successReply(value, named.join('; ') + more);
}
