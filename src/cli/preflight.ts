import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { AgentConfig } from '../config/schema.js';
import { expandHome } from '../ssh/private-key-source.js';
import { CliExit, EXIT } from './exit-codes.js';
import { sshKeyProblem } from './ssh-key-check.js';

/** Whether the agent may have to drain a node: it has nodes, or may adopt some (hostTemplate). */
const mayDrain = (config: AgentConfig): boolean =>
  !Array.isArray(config.nodes) || config.nodes.length > 0 || config.hostTemplate !== undefined;

const refuse = (key: string, message: string): never => {
  throw new CliExit(EXIT.config, `${key}: ${message}`);
};

/**
 * What `check` and `run` verify before anything listens, so that a drain the agent could never
 * perform stops the start instead of failing at the first revocation: the SSH key (there, readable,
 * a private key, not encrypted, not readable by others, as OpenSSH requires), the known_hosts file
 * when host keys are checked, and a state directory the agent can write. Each problem exits 2,
 * naming the key and the fix. `dryRun`: nothing will run on the nodes (no SSH check applies). A key
 * from ssh.privateKeyCommand is checked where it is read (readPrivateKeyOrExit).
 */
export async function preflight(config: AgentConfig, options: { dryRun: boolean }): Promise<void> {
  const privateKeyFromCommand = config.ssh.privateKeyCommand !== undefined;
  if (!options.dryRun && mayDrain(config)) {
    const { privateKeyPath, knownHostsPath, hostKeyChecking } = config.ssh;
    if (!privateKeyFromCommand) {
      const problem = await sshKeyProblem(privateKeyPath);
      if (problem !== null) refuse('ssh.privateKeyPath', problem);
      const { mode } = await stat(expandHome(privateKeyPath));
      if ((mode & 0o077) !== 0)
        refuse(
          'ssh.privateKeyPath',
          `${privateKeyPath} is readable by others (mode ${(mode & 0o777).toString(8)}), which OpenSSH refuses: ` +
            `chmod 600 ${privateKeyPath}`,
        );
    }
    if (hostKeyChecking === 'yes' && !(await readable(expandHome(knownHostsPath))))
      refuse(
        'ssh.knownHostsPath',
        `${knownHostsPath}: no such file, and hostKeyChecking is yes: every node would be refused. Record ` +
          `the nodes' keys (ssh-keyscan -p PORT HOST >> ${knownHostsPath}) or set ssh.hostKeyChecking: accept-new`,
      );
  }
  const dir = resolve(config.state.dir);
  // The directory, or the nearest one above it that exists (run creates the rest): nothing is made here.
  let existing = dir;
  while (!(await exists(existing)) && dirname(existing) !== existing) existing = dirname(existing);
  const code = await access(existing, constants.W_OK | constants.X_OK).then(
    () => null,
    (error: NodeJS.ErrnoException) => error.code ?? 'error',
  );
  if (code !== null)
    refuse(
      'state.dir',
      `${dir} cannot be created or written (${code}): give it to the user the agent runs as ` +
        `(chown -R dynslice: ${dir}) or choose another state.dir`,
    );
}

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

const readable = (path: string): Promise<boolean> =>
  access(path, constants.R_OK).then(
    () => true,
    () => false,
  );
