import type { StepPhase, StepRef } from '../../machines/drain.types.js';
import { statesTagged } from '../../machines/node.tags.js';
import type { JournalRecord, StoredRecord } from './records.js';

/** A drain step of one incarnation of one node. */
export interface StepKey {
  nodeId: string;
  incarnation: number;
  rung: StepPhase;
  stepIndex: number;
}

/** What a snapshot keeps of the counts (see InterruptedSteps.from). */
export interface InterruptedState {
  counts: Record<string, number>;
  running: string[];
  stopped: boolean;
  /** The steps still suspected of killing the agent (absent in snapshots of earlier releases). */
  suspected?: string[];
}

const keyOf = (step: StepKey): string => `${step.nodeId}#${step.incarnation}:${step.rung}:${step.stepIndex}`;

/** `nodeId#incarnation`: the node incarnation a step key belongs to (a node_id may hold `#` or `:`). */
export const nodeOfKey = (key: string): string => key.slice(0, key.lastIndexOf(':', key.lastIndexOf(':') - 1));

/** The node_id of a `nodeId#incarnation`. */
export const nodeIdOf = (node: string): string => node.slice(0, node.lastIndexOf('#'));

/** States a node's drain steps run in; a node record in any other state ended them. */
const STEPS_RUN_IN: ReadonlySet<string> = new Set(statesTagged('runsSteps'));

/**
 * Which drain step kills the agent, read from the journal: a run of the agent (from one `start`
 * record to the next) that has no `stop` record ended in a crash, and the steps whose command had
 * started and not finished were running then. The steps running at a crash become the suspects,
 * narrowed by each later crash to those running again (the culprit runs at each of its crashes);
 * the crash search (src/drain/crash-search.ts) lets only part of them run at a time, so each death
 * names fewer. A death is charged to a step only when it was the one suspect running: a step that
 * merely ran beside the culprit is never charged. A suspect whose step ended (its node moved on to
 * another step or out of draining) is cleared. A step that kills the agent (e.g. by what it prints)
 * would otherwise run again at every restart.
 */
export class InterruptedSteps {
  private readonly counts = new Map<string, number>();
  private running = new Set<string>();
  private stopped = true;
  private suspected = new Set<string>();

  /**
   * The counts as a snapshot keeps them (with the steps running in the run under way), so that
   * compaction, which prunes the journal segments they were read from, forgets no death.
   */
  static from(saved: InterruptedState): InterruptedSteps {
    const steps = new InterruptedSteps();
    for (const [key, count] of Object.entries(saved.counts)) steps.counts.set(key, count);
    steps.running = new Set(saved.running);
    steps.stopped = saved.stopped;
    steps.suspected = new Set(saved.suspected ?? []);
    return steps;
  }

  state(): InterruptedState {
    const { counts, running, stopped, suspected } = this;
    return { counts: Object.fromEntries(counts), running: [...running], stopped, suspected: [...suspected] };
  }

  /** Feed every journal record, oldest first. */
  read(record: JournalRecord | StoredRecord): void {
    if (record.kind === 'start') this.runEnded();
    else if (record.kind === 'stop') this.stopped = true;
    else if (record.kind === 'command') {
      const key = keyOf(record);
      if (record.state === 'started') {
        this.running.add(key);
        this.clear((suspect) => suspect !== key && nodeOfKey(suspect) === nodeOfKey(key));
      } else this.running.delete(key);
    } else if (record.kind === 'life' || (record.kind === 'node' && !STEPS_RUN_IN.has(record.state))) {
      this.clear((suspect) => nodeIdOf(nodeOfKey(suspect)) === record.nodeId);
    }
  }

  /** The steps suspected of killing the agent, as `nodeId#incarnation:rung:stepIndex` keys. */
  get suspects(): ReadonlySet<string> {
    return this.suspected;
  }

  /** After the last record: the run it ends is the one that just ended (crashed, or stopped). */
  finish(): this {
    this.runEnded();
    return this;
  }

  /** Agent deaths charged to this step: those it was the one suspect running at. */
  count(step: StepKey | string): number {
    return this.counts.get(typeof step === 'string' ? step : keyOf(step)) ?? 0;
  }

  /**
   * The steps of one node's incarnation charged with at least `limit` deaths; `probe: false` when
   * the agent died in it again after that (while its verify probed it).
   */
  culprits(nodeId: string, incarnation: number, limit: number): StepRef[] {
    const prefix = `${nodeId}#${incarnation}:`;
    const found: StepRef[] = [];
    for (const [key, count] of this.counts) {
      if (count < limit || !key.startsWith(prefix)) continue;
      const [rung, index] = key.slice(prefix.length).split(':');
      found.push({ rung: rung as StepPhase, stepIndex: Number(index), ...(count > limit ? { probe: false } : {}) });
    }
    return found;
  }

  private clear(which: (key: string) => boolean): void {
    for (const key of this.suspected) if (which(key)) this.suspected.delete(key);
  }

  private runEnded(): void {
    if (!this.stopped && this.running.size > 0) {
      // The culprit runs at each of its crashes: it is among the suspects that ran again, if any ran.
      const again = [...this.running].filter((key) => this.suspected.has(key));
      this.suspected = new Set(again.length > 0 ? again : this.running);
      if (this.suspected.size === 1) for (const key of this.suspected) this.counts.set(key, this.count(key) + 1);
    }
    this.running = new Set();
    this.stopped = false;
  }
}
