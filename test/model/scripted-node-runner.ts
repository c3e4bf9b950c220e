import {
  aborted as abortedResult,
  disconnected,
  type RunOptions,
  type RunResult,
  type SshRunner,
  type SshTarget,
} from '../../src/ssh/runner-types.js';

/**
 * How a node answers the drain's commands:
 * - `ok`: the jobs stop and every verify passes;
 * - `busy`: the jobs keep running (pgrep finds them, the check command exits 1);
 * - `exit2`: the check cannot run (pgrep's syntax-error status, a shell error);
 * - `exit127`: the check's tool is missing;
 * - `hang`: every command hangs until aborted;
 * - `drop`: the connection drops mid-command (no exit status).
 */
export type NodeBehaviour = 'ok' | 'busy' | 'exit2' | 'exit127' | 'hang' | 'drop';
export const BEHAVIOURS: readonly NodeBehaviour[] = ['ok', 'busy', 'exit2', 'exit127', 'hang', 'drop'];

interface Held {
  nodeId: string;
  command: string;
  settle: (result: RunResult) => void;
}

const result = (code: number, more: { stdout?: string; stderr?: string } = {}): RunResult => ({
  kind: 'exited',
  code,
  stdout: '',
  stderr: '',
  ...more,
});

/**
 * The SSH runner of the model campaigns: answers each node's commands by its behaviour, holds
 * them while paused or hung (until aborted, or the behaviour changes), and knows which verifies
 * truly passed, per node, since the node's current incarnation began.
 */
export class ScriptedNodeRunner implements SshRunner {
  private readonly behaviours = new Map<string, NodeBehaviour>();
  private readonly held = new Set<Held>();
  private readonly passes = new Map<string, Set<string>>();
  private paused = false;
  commands = 0;

  behaviourOf(nodeId: string): NodeBehaviour {
    return this.behaviours.get(nodeId) ?? 'ok';
  }

  /** Changes how a node answers; commands it holds are answered so (a hang that ends in a drop, …). */
  setBehaviour(nodeId: string, behaviour: NodeBehaviour): void {
    this.behaviours.set(nodeId, behaviour);
    if (!this.paused) for (const held of [...this.held]) if (held.nodeId === nodeId) this.answer(held);
  }

  /** Holds every command until resume(): nothing a drain does can change a node meanwhile. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    for (const held of [...this.held]) this.answer(held);
  }

  /** Each node's earlier lives' passes, newest last (a restart may take the agent back to one). */
  private readonly earlier = new Map<string, Array<Set<string> | undefined>>();

  /** The node starts a new life in the slice: verifies of its earlier life prove nothing now. */
  newIncarnation(nodeId: string): void {
    const lives = this.earlier.get(nodeId) ?? [];
    lives.push(this.passes.get(nodeId));
    this.earlier.set(nodeId, lives);
    this.passes.delete(nodeId);
  }

  /**
   * A restart forgot the node's lives after `incarnation` (the calls that began them never reached the
   * disk): the agent is back in that life, whose verifies count again. The runner's lives are those
   * the model saw answered (newIncarnation), counted from 1: a life begun by a call the agent could
   * not answer never started here, so the agent's earlier life may still be the runner's current one.
   */
  backToLife(nodeId: string, incarnation: number): void {
    const earlier = this.earlier.get(nodeId) ?? [];
    while (earlier.length + 1 > incarnation && earlier.length > 0) {
      const passes = earlier.pop();
      if (passes) this.passes.set(nodeId, passes);
      else this.passes.delete(nodeId);
    }
  }

  /** Commands held now (paused, or on a node that hangs) until answered or aborted. */
  get heldCount(): number {
    return this.held.size;
  }

  /** Names of the steps whose verify truly passed on this node, in its current incarnation. */
  verifiedSteps(nodeId: string): ReadonlySet<string> {
    return this.passes.get(nodeId) ?? new Set();
  }

  async run(target: SshTarget, command: string, options: RunOptions): Promise<RunResult> {
    this.commands += 1;
    if (options.signal?.aborted) return aborted();
    const nodeId = options.env?.DYNSLICE_NODE_ID ?? target.nodeId;
    const step = options.env?.DYNSLICE_STEP ?? '';
    return new Promise<RunResult>((resolve) => {
      const held: Held = {
        nodeId,
        command,
        settle: (outcome) => {
          this.held.delete(held);
          options.signal?.removeEventListener('abort', onAbort);
          if (isVerify(command) && passes(command, outcome)) this.passed(nodeId, step);
          resolve(outcome);
        },
      };
      const onAbort = (): void => held.settle(aborted());
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.held.add(held);
      if (!this.paused) this.answer(held);
    });
  }

  release(): void {}

  /** Each agent of the campaign closes its runner; the nodes live on across restarts. */
  async close(): Promise<void> {}

  private answer(held: Held): void {
    const behaviour = this.behaviourOf(held.nodeId);
    if (behaviour === 'hang') return;
    held.settle(answerFor(held.command, behaviour));
  }

  /** A verify of the step passed on the node in its current life (here, or as a journal an earlier release wrote shows). */
  passed(nodeId: string, step: string): void {
    const steps = this.passes.get(nodeId) ?? new Set<string>();
    steps.add(step);
    this.passes.set(nodeId, steps);
  }
}

const isVerify = (command: string) => command.includes('pgrep ') || command.includes('test ! -e');
/** The truth, independent of how the agent reads it: pgrep found nothing (1), or the mark is gone (0). */
const passes = (command: string, outcome: RunResult) =>
  outcome.stderr === '' && (command.includes('pgrep ') ? outcome.code === 1 : outcome.code === 0);

function answerFor(command: string, behaviour: Exclude<NodeBehaviour, 'hang'>): RunResult {
  if (behaviour === 'drop') return disconnected('connection lost mid-command');
  if (!isVerify(command)) return result(behaviour === 'exit127' ? 127 : 0);
  const pgrep = command.includes('pgrep ');
  switch (behaviour) {
    case 'ok':
      return result(pgrep ? 1 : 0);
    case 'busy':
      return pgrep ? result(0, { stdout: '4242 model-job --serve\n' }) : result(1);
    case 'exit2':
      return result(2, {
        stderr: pgrep ? 'pgrep: only one pattern can be provided\n' : 'sh: 1: test: unexpected operator\n',
      });
    case 'exit127':
      return result(127, { stderr: `sh: 1: ${pgrep ? 'pgrep' : 'test'}: not found\n` });
  }
}

function aborted(): RunResult {
  return abortedResult('aborted by caller');
}
