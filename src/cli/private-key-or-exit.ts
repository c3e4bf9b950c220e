import { runLocalCommand } from '../config/local-command.js';
import { OperatorError } from '../config/operator-errors.js';
import type { AgentConfig } from '../config/schema.js';
import { configExit } from './exit-codes.js';
import { keyTextProblem } from './ssh-key-check.js';

const KEY_COMMAND_TIMEOUT_MS = 60_000;
const MAX_KEY_BYTES = 64 * 1024;

/**
 * The private key text `ssh.privateKeyCommand` prints, read once at start and kept in memory only
 * (never logged); undefined when the key comes from `ssh.privateKeyPath`. A command that fails, or
 * prints no usable key, ends the command with exit 2 naming the key.
 */
export async function readPrivateKeyOrExit(config: AgentConfig): Promise<string | undefined> {
  const command = config.ssh.privateKeyCommand;
  if (command === undefined) return undefined;
  const fail = (why: string): never => {
    throw configExit(
      new OperatorError('DYNSLICE_SSH_KEY_COMMAND_FAILED', 'ssh.privateKeyCommand', `no private key: ${why}`),
    );
  };
  const result = await runLocalCommand(command, { timeoutMs: KEY_COMMAND_TIMEOUT_MS, maxBytes: MAX_KEY_BYTES });
  if (!result.ok) return fail(`the command failed (${result.why})`);
  const key = result.stdout.trim();
  if (key === '') return fail('the command printed nothing');
  const problem = keyTextProblem(key);
  if (problem !== null) return fail(`what the command printed is not a usable private key (${problem.detail})`);
  return `${key}\n`;
}
