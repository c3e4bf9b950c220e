import { type SshConfig, sshSchema } from '../config/ssh-schema.js';
import type { NodeSshRunnerOptions } from './pooled-runner-options.js';

/** What of the runner's options the `ssh` section sets (the key and the logger come from elsewhere). */
export type SshSettings = Required<
  Pick<
    NodeSshRunnerOptions,
    | 'knownHostsPath'
    | 'hostKeyChecking'
    | 'concurrency'
    | 'connectTimeoutMs'
    | 'outputHeadBytes'
    | 'outputTailBytes'
    | 'unkeptBytesPerSecond'
    | 'unkeptBytesPerSecondTotal'
  >
>;

/** The one mapping from the `ssh` section to the runner's options: a new `ssh.*` key is mapped here. */
export function sshSettings(ssh: SshConfig): SshSettings {
  return {
    knownHostsPath: ssh.knownHostsPath,
    hostKeyChecking: ssh.hostKeyChecking,
    concurrency: ssh.concurrency,
    connectTimeoutMs: ssh.connectTimeoutSeconds * 1000,
    outputHeadBytes: ssh.outputHeadBytes,
    outputTailBytes: ssh.outputTailBytes,
    unkeptBytesPerSecond: ssh.unkeptOutputBytesPerSecond,
    unkeptBytesPerSecondTotal: ssh.unkeptOutputBytesPerSecondTotal,
  };
}

/** The runner's defaults: the schema's, so a default is written once (config/ssh-schema.ts). */
export const SSH_DEFAULTS: SshSettings = sshSettings(sshSchema.parse({}));
