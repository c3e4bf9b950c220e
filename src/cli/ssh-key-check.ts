import { readFile } from 'node:fs/promises';
import ssh2 from 'ssh2';
import { expandHome } from '../ssh/private-key-source.js';

/** On CloudLab, what makes root's key log in to the other nodes (docs/cloudlab.md). */
export const ROOT_KEYS_HINT =
  'on CloudLab, the profile must ask for root keys on every node: node.installRootKeys(True, True)';

/**
 * Why the SSH key at `path` cannot log in anywhere, or null: the file is missing or unreadable, is
 * not a private key, or is encrypted (the agent runs unattended: no one types its passphrase).
 */
export async function sshKeyProblem(path: string): Promise<string | null> {
  let text: string;
  try {
    text = await readFile(expandHome(path), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    return code === 'ENOENT'
      ? `${path}: no such file (${ROOT_KEYS_HINT}; or point ssh.privateKeyPath at your key)`
      : `${path}: cannot read it (${code})`;
  }
  const problem = keyTextProblem(text);
  return problem === null ? null : `${path}: ${problem}`;
}

/**
 * Why a key's text cannot log in unattended, or null: not a key, encrypted, or a public key. The
 * message never quotes the text (it may be a key in a form the parser did not take).
 */
export function keyTextProblem(text: string): string | null {
  const parsed = ssh2.utils.parseKey(text);
  if (parsed instanceof Error) {
    return /encrypted/i.test(parsed.message)
      ? 'the key is encrypted: the agent needs one without a passphrase (or ssh.privateKeyCommand)'
      : `not a private key (${parsed.message.split(':')[0]})`;
  }
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  return key?.isPrivateKey() ? null : 'a public key, not the private key';
}
