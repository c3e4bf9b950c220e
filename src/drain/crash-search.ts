import type { Logger } from 'pino';
import { nodeIdOf, nodeOfKey } from '../store/interrupted-steps.js';

export interface CrashSearchDeps {
  /** The steps suspected of killing the agent, as the journal says now (InterruptedSteps.suspects). */
  suspects: () => ReadonlySet<string>;
  /** `nodeId#incarnation` when that node's drain (or prepare) steps can run now; else undefined. */
  runningNodeOf: (nodeId: string) => string | undefined;
  logger: Logger;
}

interface Waiter {
  nodeId: string;
  resolve: () => void;
}

const LOGGED = 20;

/**
 * Finds the drain step that kills the agent. After a crash with several steps running, the next
 * start resumes the nodes of half of the suspect steps; every other drain command, of the other
 * suspects and of any other node, waits. If the agent dies again, the suspects are those that ran
 * again (the journal narrows them: interrupted-steps.ts), and the next start halves them again; if
 * the resumed ones leave their suspect step (verified, failed, or their node moved on), they were
 * not the culprit and the next half is resumed. A death with one suspect running is charged to it,
 * and a step charged `drain.stepCrashLimit` deaths is probed and never run again, so a step that
 * merely ran beside the culprit is resumed and verified as usual. A crash that was nobody's fault
 * costs the waiting drains the time the resumed suspects take.
 */
export class CrashSearch {
  /**
   * The suspect nodes whose commands may run; null when no search is under way. Until start(), a
   * journal that names suspects lets no command run: restored drains resume before start() can
   * say which of them may.
   */
  private batch: Set<string> | null;
  private waiting: Waiter[] = [];
  private started = false;

  constructor(private readonly deps: CrashSearchDeps) {
    this.batch = deps.suspects().size > 0 ? new Set() : null;
  }

  /** Call once the nodes are restored: starts a search if the journal names suspects. */
  start(): void {
    this.started = true;
    if (this.batch === null) return;
    const nodes = this.suspectNodes();
    if (nodes.length === 0) {
      // Their nodes were deleted, given back or moved on meanwhile: nothing to search.
      this.batch = null;
      return this.release();
    }
    this.batch = new Set(nodes.slice(0, Math.ceil(nodes.length / 2)));
    this.deps.logger.warn(
      {
        suspectSteps: [...this.deps.suspects()].slice(0, LOGGED),
        suspectNodes: nodes.length,
        resumed: [...this.batch].slice(0, LOGGED),
      },
      'crash search: the agent died while these drain steps ran; half of their nodes resume, every other ' +
        'drain command waits until they have left those steps',
    );
    this.release();
  }

  /** Whether a search holds back drain commands now. */
  get active(): boolean {
    return this.batch !== null;
  }

  /** Resolves when a drain command of `nodeId` may run (at once unless a search holds it back). */
  admit(nodeId: string, signal: AbortSignal): Promise<void> {
    if (this.batch === null) return Promise.resolve();
    const node = this.deps.runningNodeOf(nodeId);
    if (node !== undefined && this.batch.has(node)) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = { nodeId, resolve };
      this.waiting.push(waiter);
      // A drain cut off meanwhile (deadline, deletion) stops waiting; its command then ends as aborted.
      signal.addEventListener('abort', () => {
        this.waiting = this.waiting.filter((w) => w !== waiter);
        resolve();
      });
    });
  }

  /** Call after each journal record that can clear a suspect (a command started, a node's state). */
  update(): void {
    if (this.batch === null || !this.started) return;
    const nodes = this.suspectNodes();
    if (nodes.some((node) => this.batch?.has(node))) return;
    if (nodes.length === 0) {
      this.batch = null;
      this.deps.logger.warn('crash search over: no drain step is suspected any more; every drain goes on');
    } else {
      this.batch = new Set(nodes.slice(0, Math.ceil(nodes.length / 2)));
      this.deps.logger.warn(
        { suspectNodes: nodes.length, resumed: [...this.batch].slice(0, LOGGED) },
        'crash search: the nodes resumed left their suspect steps without a death; the next half resumes',
      );
    }
    this.release();
  }

  /** Lets the waiting commands the batch admits run. */
  private release(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const waiter of waiting) {
      const node = this.deps.runningNodeOf(waiter.nodeId);
      if (this.batch === null || (node !== undefined && this.batch.has(node))) waiter.resolve();
      else this.waiting.push(waiter);
    }
  }

  /** The nodes of the suspect steps whose steps can still run, sorted (each start halves the same way). */
  private suspectNodes(): string[] {
    const nodes = new Set<string>();
    for (const key of this.deps.suspects()) {
      const node = nodeOfKey(key);
      if (this.deps.runningNodeOf(nodeIdOf(node)) === node) nodes.add(node);
    }
    return [...nodes].sort();
  }
}
