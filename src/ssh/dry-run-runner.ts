import type { Logger } from 'pino';
import type { RunOptions, RunResult, SshRunner, SshTarget } from './runner-types.js';

export interface DryRunCall {
  target: SshTarget;
  command: string;
  env: Record<string, string>;
  timeoutMs: number;
}

/** Logs each command instead of running it and reports it as a dry run; chosen once at startup. */
export class DryRunSshRunner implements SshRunner {
  readonly calls: DryRunCall[] = [];
  private readonly log: Logger;

  constructor(logger: Logger) {
    this.log = logger.child({ component: 'ssh', dryRun: true });
  }

  async run(target: SshTarget, command: string, options: RunOptions): Promise<RunResult> {
    const env = { ...options.env };
    this.calls.push({ target, command, env, timeoutMs: options.timeoutMs });
    // Env values may be secrets from the network: log only their names.
    this.log.info(
      {
        nodeId: target.nodeId,
        host: target.host,
        port: target.port,
        user: target.user,
        command,
        envNames: Object.keys(env),
        timeoutMs: options.timeoutMs,
      },
      'dry run: would run command',
    );
    return { kind: 'dryRun', code: 0, stdout: '', stderr: '' };
  }

  release(nodeId: string): void {
    this.log.debug({ nodeId }, 'dry run: would release connection');
  }

  async close(): Promise<void> {}
}
