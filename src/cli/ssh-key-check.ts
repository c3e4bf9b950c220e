import { readFile } from 'node:fs/promises';
import ssh2 from 'ssh2';
import type { OperatorErrorCode } from '../config/operator-errors.js';
import { expandHome } from '../ssh/private-key-source.js';

/** Why a key cannot log in unattended: the catalogue's code and what was found. */
export interface KeyProblem {
  code: OperatorErrorCode;
  detail: string;
}

/**
 * Why the SSH key at `path` cannot log in anywhere, or null: the file is missing or unreadable by
 * this user, is not a private key, or is encrypted (the agent runs unattended: no one types its
 * passphrase).
 */
export async function sshKeyProblem(path: string): Promise<KeyProblem | null> {
  let text: string;
  try {
    text = await readFile(expandHome(path), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    return code === 'ENOENT'
      ? { code: 'DYNSLICE_SSH_KEY_MISSING', detail: `${path}: no such file` }
      : { code: 'DYNSLICE_SSH_KEY_UNREADABLE', detail: `${path}: cannot read it as this user (${code})` };
  }
  const problem = keyTextProblem(text);
  return problem === null ? null : { ...problem, detail: `${path}: ${problem.detail}` };
}

/**
 * Why a key's text cannot log in unattended, or null: not a key, encrypted, or a public key. The
 * message never quotes the text (it may be a key in a form the parser did not take).
 */
export function keyTextProblem(text: string): KeyProblem | null {
  const parsed = ssh2.utils.parseKey(text);
  if (parsed instanceof Error) {
    return /encrypted/i.test(parsed.message)
      ? { code: 'DYNSLICE_SSH_KEY_ENCRYPTED', detail: 'the key is encrypted: the agent needs one without a passphrase' }
      : { code: 'DYNSLICE_SSH_KEY_INVALID', detail: `not a private key (${parsed.message.split(':')[0]})` };
  }
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  return key?.isPrivateKey() ? null : { code: 'DYNSLICE_SSH_KEY_INVALID', detail: 'a public key, not the private key' };
}
