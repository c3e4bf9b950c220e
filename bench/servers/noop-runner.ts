import type { AgentDeps } from '../../src/agent.js';

// The runner's types, read from createAgent's: the harness compiles against older commits' src too (--compare).
export type SshRunner = AgentDeps['runner'];
type RunResult = Awaited<ReturnType<SshRunner['run']>>;

/** Every command succeeds at once, unlogged: the agent's own work without SSH (DryRunSshRunner logs each one). */
export class NoopSshRunner implements SshRunner {
  commands = 0;

  async run(): Promise<RunResult> {
    this.commands += 1;
    return { kind: 'exited', code: 0, stdout: '', stderr: '' };
  }

  release(): void {}

  async close(): Promise<void> {}
}
