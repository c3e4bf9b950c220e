import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A fresh private key (ed25519, no passphrase, mode 0600) that logs in nowhere, for an agent whose
 * nodes are never reached in the test: `run` and `check` refuse to start without a usable key.
 * Returns its path; `ssh` is the configuration section that uses it.
 */
export function throwawayKey(): { path: string; ssh: { privateKeyPath: string; hostKeyChecking: 'accept-new' } } {
  const path = join(mkdtempSync(join(tmpdir(), 'dynslice-key-')), 'id_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path]);
  return { path, ssh: { privateKeyPath: path, hostKeyChecking: 'accept-new' } };
}
