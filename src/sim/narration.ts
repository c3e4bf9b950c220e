import type { StateChange } from '../slice/node-actor.js';
import type { SimEvent } from './sim-record.js';
import type { SimSummary } from './sim-summary.js';

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)}s`.padStart(7);
const list = (ids: readonly string[], max = 8): string =>
  ids.length <= max ? ids.join(' ') : `${ids.slice(0, max).join(' ')} … (+${ids.length - max})`;

function callNote(event: Exclude<SimEvent, { type: 'missed' }>): string {
  const { call } = event;
  if (call.failure?.startsWith('reply-dropped')) return 'reply lost (the cluster timed out)';
  if (call.failure !== undefined) return `failed: ${call.failure}`;
  return call.code === 0 ? '' : `code ${call.code}: ${call.output}`;
}

/** One readable line for something the simulated cluster did. */
export function describeSimEvent(event: SimEvent): string {
  if (event.type === 'missed') return `cluster  countdown #${event.tick} not sent (missed tick)`;
  const note = callNote(event);
  if (event.type === 'values') {
    const inSlice = event.entries.filter((e) => e.clientId !== null);
    const newest = inSlice[inSlice.length - 1];
    const oldest = inSlice[0];
    const range =
      newest && oldest
        ? ` (LIFO: newest ${newest.nodeId} ${newest.value} … oldest ${oldest.nodeId} ${oldest.value})`
        : '';
    return `cluster  SetResourceValues  ${inSlice.length} slice nodes${range}${note ? ` → ${note}` : ''}`;
  }
  if (event.type === 'deleted') return `cluster  NotifyDeleteComplete  ${list(event.nodes)}${note ? ` → ${note}` : ''}`;
  const waits = [...new Set(event.sent.map((e) => e.maxWaitTime))].sort((a, b) => b - a);
  const tags = [
    event.repeat ? 'again (duplicated tick)' : '',
    event.faults.includes('no-wait') && !event.repeat ? 'cluster cannot wait' : '',
  ]
    .filter(Boolean)
    .map((t) => ` [${t}]`)
    .join('');
  const released = event.released.length > 0 ? `released ${list(event.released)}` : 'released none';
  const given = event.released.reduce(
    (sum, id) => sum + (event.sent.find((e) => e.nodeId === id)?.maxWaitTime ?? 0),
    0,
  );
  const taken = event.taken.length > 0 ? `; taken without waiting: ${list(event.taken)}` : '';
  const outcome = note || `${released}${given > 0 ? ` (${given} node-seconds back)` : ''}${taken}`;
  const nodes = `${event.sent.length} node${event.sent.length === 1 ? '' : 's'}`;
  return `cluster  NotifyDeletePending #${event.tick}${tags}  ${nodes}, max_wait_time ${waits.join('/')} → ${outcome}`;
}

/** One readable line for a node's state change. */
export function describeTransition(change: StateChange): string {
  const { clientId, failure, forcedReason } = change.snapshot.context;
  const why = change.snapshot.hasTag('unverified')
    ? ` (${forcedReason ?? ''}${forcedReason && failure ? ': ' : ''}${failure ?? ''})`
    : '';
  return `${`${change.nodeId}${clientId ? ` ${clientId}` : ''}`.padEnd(15)}${change.from} → ${change.to}${why}`;
}

/** Prints lines with the time since `startedAt`. */
export function timedWriter(write: (text: string) => void, startedAt: number): (line: string) => void {
  return (line) => write(`${seconds(Date.now() - startedAt)}  ${line}\n`);
}

export function describeSummary(summary: SimSummary, workLost: readonly string[]): string[] {
  return [
    `nodes released early      ${summary.releasedEarly} of ${summary.nodes}` +
      (summary.takenAtDeadline + summary.couldNotWait > 0
        ? ` (${summary.takenAtDeadline} at the deadline, ${summary.couldNotWait} could not wait)`
        : ''),
    `given back early          ${summary.nodeMinutesGivenBack} node-minutes (${summary.givenBackSeconds} ` +
      `node-seconds before the deadline)`,
    `work lost                 ${workLost.length}${workLost.length > 0 ? ` (${workLost.join(', ')})` : ''}`,
    `countdown calls           ${summary.countdownCalls}`,
  ];
}
