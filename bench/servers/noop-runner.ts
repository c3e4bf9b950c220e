import type { RunResult, SshRunner } from '../../src/ssh/runner-types.js';

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
