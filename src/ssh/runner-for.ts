import type { Logger } from 'pino';
import type { SshConfig } from '../config/ssh-schema.js';
import type { HopListener } from './command-hops.js';
import { DryRunSshRunner } from './dry-run-runner.js';
import { createNodeSshRunner } from './pooled-runner.js';
import type { SshRunner } from './runner-types.js';
import { sshSettings } from './ssh-settings.js';

/**
 * - `configured`: as the configuration's `dryRun` says (run);
 * - `dry-run`: nothing runs on the nodes, every command is logged (shadow mode, `drill --dry-run`);
 * - `ssh`: over SSH whatever `dryRun` says (`check --ssh` logs in because it was asked to).
 */
export type RunnerMode = 'configured' | 'dry-run' | 'ssh';

export interface RunnerDeps {
  logger: Logger;
  /** The key `ssh.privateKeyCommand` printed (readPrivateKeyOrExit); else `ssh.privateKeyPath` is read. */
  privateKey?: string | undefined;
  onHop?: HopListener;
}

/**
 * The one path from configuration to runner, used by run, drill, check and demo: dry-run is an
 * implementation chosen here, never a flag checked elsewhere; every `ssh.*` key reaches the runner
 * through sshSettings().
 */
export function runnerFor(
  config: { ssh: SshConfig; dryRun: boolean },
  mode: RunnerMode,
  { logger, privateKey, onHop }: RunnerDeps,
): SshRunner {
  if (mode === 'dry-run' || (mode === 'configured' && config.dryRun)) return new DryRunSshRunner(logger);
  return createNodeSshRunner({
    ...sshSettings(config.ssh),
    ...(privateKey === undefined ? { privateKeyPath: config.ssh.privateKeyPath } : { privateKey }),
    ...(onHop ? { onHop } : {}),
    logger,
  });
}
