import { constants } from 'node:fs';
import { access, readdir, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { parseListenAddress } from '../config/listen-address.js';
import { OperatorError } from '../config/operator-errors.js';
import type { AgentConfig } from '../config/schema.js';
import { expandHome } from '../ssh/private-key-source.js';
import { listenError } from './listen-error.js';
import { sshKeyProblem } from './ssh-key-check.js';

/** Whether the agent may have to drain a node: it has nodes, or may adopt some (hostTemplate). */
const mayDrain = (config: AgentConfig): boolean =>
  !Array.isArray(config.nodes) || config.nodes.length > 0 || config.hostTemplate !== undefined;

export interface PreflightOptions {
  /** Nothing will run on the nodes: no SSH check applies. */
  dryRun: boolean;
  /** `run`: the endpoint's and the status server's addresses must be free to listen on. */
  listen?: boolean;
}

/**
 * What `check` and `run` verify before anything listens, so that a drain the agent could never
 * perform stops the start instead of failing at the first revocation: the SSH key (there, readable,
 * a private key, not encrypted, not readable by others, as OpenSSH requires), the known_hosts file
 * when host keys are checked, a state directory the agent can write, and for `run` the listen
 * addresses. Each problem is an OperatorError (exit 2) naming the key and the fix. A key from
 * ssh.privateKeyCommand is checked where it is read (readPrivateKeyOrExit).
 */
export async function preflight(config: AgentConfig, options: PreflightOptions): Promise<void> {
  if (!options.dryRun && mayDrain(config)) await sshPreflight(config);
  await statePreflight(resolve(config.state.dir));
  if (options.listen) {
    await canListen('endpoint.listen', config.endpoint.listen);
    if (config.status) await canListen('status.listen', config.status.listen);
  }
}

async function sshPreflight(config: AgentConfig): Promise<void> {
  const { privateKeyPath, privateKeyCommand, knownHostsPath, hostKeyChecking } = config.ssh;
  if (privateKeyCommand === undefined) {
    const problem = await sshKeyProblem(privateKeyPath);
    if (problem !== null)
      throw new OperatorError(problem.code, 'ssh.privateKeyPath', problem.detail, { path: privateKeyPath });
    const { mode } = await stat(expandHome(privateKeyPath));
    if ((mode & 0o077) !== 0)
      throw new OperatorError(
        'DYNSLICE_SSH_KEY_OPEN',
        'ssh.privateKeyPath',
        `${privateKeyPath} is readable by others (mode ${(mode & 0o777).toString(8)}), which OpenSSH refuses`,
        { path: privateKeyPath },
      );
  }
  if (hostKeyChecking === 'yes' && !(await accessible(expandHome(knownHostsPath), constants.R_OK)))
    throw new OperatorError(
      'DYNSLICE_KNOWN_HOSTS_MISSING',
      'ssh.knownHostsPath',
      `${knownHostsPath}: no such file, and hostKeyChecking is yes`,
      { path: knownHostsPath },
    );
}

/** The directory, or the nearest one above it that exists (run creates the rest): nothing is made here. */
async function statePreflight(dir: string): Promise<void> {
  let existing = dir;
  while (!(await accessible(existing, constants.F_OK)) && dirname(existing) !== existing) existing = dirname(existing);
  const code = await access(existing, constants.W_OK | constants.X_OK).then(
    () => null,
    (error: NodeJS.ErrnoException) => error.code ?? 'error',
  );
  if (code !== null)
    throw new OperatorError(
      'DYNSLICE_STATE_DIR_NOT_WRITABLE',
      'state.dir',
      `${dir} cannot be created or written by this user (${code})`,
      { path: dir },
    );
  // The lock, the journal and the snapshot a start as another user (root, once) may have left behind.
  if (existing !== dir) return;
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    throw new OperatorError(
      'DYNSLICE_STATE_DIR_NOT_WRITABLE',
      'state.dir',
      `${dir} is not a directory this user can list (${error.code ?? 'error'})`,
      { path: dir },
    );
  });
  for (const name of names) {
    if (!STORE_FILE.test(name)) continue;
    const file = join(dir, name);
    if (!(await accessible(file, constants.R_OK | constants.W_OK)))
      throw new OperatorError(
        'DYNSLICE_STATE_DIR_NOT_WRITABLE',
        'state.dir',
        `${file} cannot be read and written by this user (a start as another user left it)`,
        { path: dir },
      );
  }
}

/** The files the store writes in the state directory. */
const STORE_FILE = /^(agent\.lock|snapshot\.json|journal-\d+\.jsonl)$/;

/** Binds the address once and lets it go: a taken or privileged port stops `run` before anything listens. */
async function canListen(key: 'endpoint.listen' | 'status.listen', address: string): Promise<void> {
  const { host, port } = parseListenAddress(address);
  if (port === 0) return;
  const server = createServer();
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen({ port, host, exclusive: true }, () => server.close(() => done()));
  }).catch((error: unknown) => {
    throw listenError(key, address, error);
  });
}

const accessible = (path: string, mode: number): Promise<boolean> =>
  access(path, mode).then(
    () => true,
    () => false,
  );
