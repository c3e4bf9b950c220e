import {
  aborted as abortedResult,
  disconnected,
  type RunOptions,
  type RunResult,
  type SshRunner,
  type SshTarget,
} from '../../src/ssh/runner-types.js';

export interface FakeCall {
  target: SshTarget;
  command: string;
  env: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Settles only when the call's AbortSignal fires (failure 'aborted') or the runner is closed. */
export const HANG = 'hang' as const;

/** A result by its parts: an exit (`code`, default 0) unless `kind` says otherwise. */
export type ResultParts =
  | { [K in RunResult['kind']]: Partial<Extract<RunResult, { kind: K }>> & { kind: K } }[RunResult['kind']]
  | (Partial<Omit<Extract<RunResult, { kind: 'exited' }>, 'kind'>> & { kind?: undefined });

export type FakeAnswer = ResultParts | typeof HANG;
export type FakeAnswerSource = FakeAnswer | ((call: FakeCall) => FakeAnswer | Promise<FakeAnswer>);

interface Rule {
  predicate: (call: FakeCall) => boolean;
  answer: FakeAnswerSource;
  times: number;
}

/** A recording SshRunner for unit tests: answers by rule, the most recently added match first. */
export class FakeSshRunner implements SshRunner {
  readonly calls: FakeCall[] = [];
  readonly released: string[] = [];
  closed = false;
  defaultAnswer: FakeAnswerSource = { code: 0 };
  private readonly rules: Rule[] = [];
  private readonly hanging = new Set<(result: RunResult) => void>();

  when(predicate: (call: FakeCall) => boolean, answer: FakeAnswerSource): this {
    this.rules.push({ predicate, answer, times: Infinity });
    return this;
  }

  /** Like when(), but the rule answers only the next matching call. */
  whenOnce(predicate: (call: FakeCall) => boolean, answer: FakeAnswerSource): this {
    this.rules.push({ predicate, answer, times: 1 });
    return this;
  }

  /** Commands asked of one node (or of all nodes), in order. */
  commands(nodeId?: string): string[] {
    return this.calls.filter((c) => nodeId === undefined || c.target.nodeId === nodeId).map((c) => c.command);
  }

  /** Calls currently held by a HANG answer. */
  get hangingCount(): number {
    return this.hanging.size;
  }

  async run(target: SshTarget, command: string, options: RunOptions): Promise<RunResult> {
    const call: FakeCall = {
      target,
      command,
      env: { ...options.env },
      timeoutMs: options.timeoutMs,
      signal: options.signal,
    };
    this.calls.push(call);
    if (options.signal?.aborted) return aborted();
    const rule = this.rules.findLast((r) => r.times > 0 && r.predicate(call));
    if (rule) rule.times -= 1;
    const source = rule ? rule.answer : this.defaultAnswer;
    const answer = typeof source === 'function' ? await source(call) : source;
    return answer === HANG ? this.hang(options.signal) : runResult(answer);
  }

  release(nodeId: string): void {
    this.released.push(nodeId);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const settle of [...this.hanging]) settle(disconnected('runner closed'));
  }

  private hang(signal: AbortSignal | undefined): Promise<RunResult> {
    return new Promise((resolve) => {
      const settle = (result: RunResult): void => {
        this.hanging.delete(settle);
        signal?.removeEventListener('abort', onAbort);
        resolve(result);
      };
      const onAbort = (): void => settle(aborted());
      this.hanging.add(settle);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/** The whole result the parts describe. */
export function runResult(parts: ResultParts): RunResult {
  const output = { stdout: '', stderr: '' };
  switch (parts.kind) {
    case undefined:
    case 'exited':
      return { ...output, code: 0, ...parts, kind: 'exited' };
    case 'dryRun':
      return { ...output, ...parts, code: 0 };
    case 'timedOut':
      return { ...output, code: null, detail: 'timed out', ...parts };
    case 'unreachable':
      return { ...output, reason: 'refused', detail: 'unreachable', ...parts, code: null };
    case 'notRun':
      return { ...output, code: 1, detail: 'the wrapper failed', ...parts };
    default:
      return { ...output, detail: parts.kind, ...parts, code: null };
  }
}

function aborted(): RunResult {
  return abortedResult('aborted by caller');
}
