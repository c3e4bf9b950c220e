import { stateHasTag } from '../../machines/node.tags.js';
import type { DrainCommandEvent } from '../drain/step-actors.js';
import type { StateChange } from '../slice/node-actor.js';
import { type NodeEventName, nodeEventsOf } from './node-events.js';

export interface TimelineEntry {
  at: number;
  kind: 'state' | 'step' | NodeEventName;
  text: string;
  /** On `step` entries: the command as data, so a chart can draw it as a bar. */
  command?: Omit<DrainCommandEvent, 'nodeId'>;
}

/** What the observer remembers of a node beyond its actor's snapshot. */
export interface NodeRecord {
  drainStartedAt: number | null;
  releasedAt: number | null;
  failure: string | null;
  /** The drain command running now, or the last one that ran. */
  command: DrainCommandEvent | null;
  timeline: TimelineEntry[];
}

// Bounded so a node whose verify retries for hours cannot grow without end.
const TIMELINE_LIMIT = 64;

const describeCommand = (event: DrainCommandEvent): string => {
  const head = `${event.step}: ${event.phase}${event.attempt > 0 ? ` #${event.attempt + 1}` : ''}`;
  if (event.finishedAt === undefined) return head;
  if (event.code === 0) return `${head} ${event.phase === 'verify' ? 'passed' : 'exit 0'}`;
  return `${head} ${event.code === null || event.code === undefined ? (event.failure ?? 'failed') : `exit ${event.code}`}`;
};

/** Per-node records and timelines, and the node events each state change means. */
export class NodeTracker {
  private readonly records = new Map<string, NodeRecord>();

  get(nodeId: string): NodeRecord {
    let record = this.records.get(nodeId);
    if (!record) {
      record = { drainStartedAt: null, releasedAt: null, failure: null, command: null, timeline: [] };
      this.records.set(nodeId, record);
    }
    return record;
  }

  /** Applies a state change; returns the node events it means and the timeline entries it added. */
  onChange(change: StateChange, at: number): { events: NodeEventName[]; entries: TimelineEntry[] } {
    const record = this.get(change.nodeId);
    // A deleted node back in the slice: a new incarnation, whose drain and release are its own. The
    // timeline goes on, so the earlier incarnation's stays readable above the marker.
    if (stateHasTag(change.from, 'gone')) return this.newIncarnation(record, change, at);
    const events = nodeEventsOf(change);
    const entries: TimelineEntry[] = [];
    const { maxWaitTime, failure } = change.snapshot.context;
    if (events.includes('drain-started')) {
      record.drainStartedAt = at;
      entries.push({ at, kind: 'drain-started', text: `revoked: max_wait_time ${maxWaitTime ?? '?'} s` });
    }
    const kind = events.includes('drained') ? 'drained' : events.includes('forced') ? 'forced' : 'state';
    entries.push({ at, kind, text: change.to });
    if (events.includes('failed')) entries.push({ at, kind: 'failed', text: failure ?? 'failed' });
    if (events.includes('released')) {
      record.releasedAt = at;
      entries.push({ at, kind: 'released', text: 'released to the cluster' });
    }
    if (events.includes('work-lost'))
      entries.push({ at, kind: 'work-lost', text: 'deleted before its drain was verified' });
    record.failure = failure;
    // xstate starts the drain's first command before it tells subscribers the node is draining.
    this.append(record, entries, events.includes('drain-started'));
    return { events, entries };
  }

  private newIncarnation(
    record: NodeRecord,
    change: StateChange,
    at: number,
  ): { events: NodeEventName[]; entries: TimelineEntry[] } {
    Object.assign(record, { drainStartedAt: null, releasedAt: null, failure: null, command: null });
    const entries: TimelineEntry[] = [
      {
        at,
        kind: 'state',
        text: `back in the slice: incarnation ${change.snapshot.context.incarnation}, ${change.to}`,
      },
    ];
    this.append(record, entries);
    return { events: [], entries };
  }

  onCommand(event: DrainCommandEvent): TimelineEntry {
    const record = this.get(event.nodeId);
    record.command = event;
    const { nodeId: _, ...command } = event;
    const entry: TimelineEntry = {
      at: event.finishedAt ?? event.startedAt,
      kind: 'step',
      text: describeCommand(event),
      command,
    };
    this.append(record, [entry]);
    return entry;
  }

  private append(record: NodeRecord, entries: TimelineEntry[], beforeTrailingSteps = false): void {
    let position = record.timeline.length;
    while (beforeTrailingSteps && position > 0 && record.timeline[position - 1]!.kind === 'step') position -= 1;
    record.timeline.splice(position, 0, ...entries);
    if (record.timeline.length > TIMELINE_LIMIT) record.timeline.splice(0, record.timeline.length - TIMELINE_LIMIT);
  }
}
