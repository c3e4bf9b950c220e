import type { StepPhase } from '../../machines/drain.types.js';
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
}

const keyOf = (step: StepKey): string => `${step.nodeId}#${step.incarnation}:${step.rung}:${step.stepIndex}`;

/**
 * How many times the agent died while a drain step was running on a node, read from the journal:
 * a run of the agent (from one `start` record to the next) that has no `stop` record ended in a
 * crash, and every step whose command had started and not finished then counts once. A step that
 * kills the agent (e.g. by what it prints) would otherwise run again at every restart.
 */
export class InterruptedSteps {
  private readonly counts = new Map<string, number>();
  private running = new Set<string>();
  private stopped = true;

  /**
   * The counts as a snapshot keeps them (with the steps running in the run under way), so that
   * compaction, which prunes the journal segments they were read from, forgets no death.
   */
  static from(saved: InterruptedState): InterruptedSteps {
    const steps = new InterruptedSteps();
    for (const [key, count] of Object.entries(saved.counts)) steps.counts.set(key, count);
    steps.running = new Set(saved.running);
    steps.stopped = saved.stopped;
    return steps;
  }

  state(): InterruptedState {
    return { counts: Object.fromEntries(this.counts), running: [...this.running], stopped: this.stopped };
  }

  /** Feed every journal record, oldest first. */
  read(record: JournalRecord | StoredRecord): void {
    if (record.kind === 'start') this.runEnded();
    else if (record.kind === 'stop') this.stopped = true;
    else if (record.kind === 'command') {
      const key = keyOf(record);
      if (record.state === 'started') this.running.add(key);
      else this.running.delete(key);
    }
  }

  /** After the last record: the run it ends is the one that just ended (crashed, or stopped). */
  finish(): this {
    this.runEnded();
    return this;
  }

  /** Agent deaths while this step ran. */
  count(step: StepKey): number {
    return this.counts.get(keyOf(step)) ?? 0;
  }

  /** The steps of one node's incarnation that the agent died in at least `limit` times. */
  suspects(nodeId: string, incarnation: number, limit: number): Array<Pick<StepKey, 'rung' | 'stepIndex'>> {
    const prefix = `${nodeId}#${incarnation}:`;
    const found: Array<Pick<StepKey, 'rung' | 'stepIndex'>> = [];
    for (const [key, count] of this.counts) {
      if (count < limit || !key.startsWith(prefix)) continue;
      const [rung, index] = key.slice(prefix.length).split(':');
      found.push({ rung: rung as StepPhase, stepIndex: Number(index) });
    }
    return found;
  }

  private runEnded(): void {
    if (!this.stopped) for (const key of this.running) this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    this.running = new Set();
    this.stopped = false;
  }
}
