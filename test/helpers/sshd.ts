import { existsSync } from 'node:fs';
import { SSHD_PATH, startOpenSshNodes } from './openssh-nodes.js';
import type { SshTestNodes, StartSshNodesOptions } from './ssh-test-nodes.js';
import { startSsh2Nodes } from './ssh2-nodes.js';

export type { SshTestNode, SshTestNodes, StartSshNodesOptions } from './ssh-test-nodes.js';
export { targetOf } from './ssh-test-nodes.js';

let noticePrinted = false;

/**
 * `n` SSH servers on 127.0.0.1, each with its own host key, all accepting one client key for the
 * current OS user. Real OpenSSH when /usr/sbin/sshd exists; otherwise an in-process ssh2 server,
 * unless DYNSLICE_REQUIRE_SSHD=1 makes a missing sshd an error.
 */
export async function startSshNodes(n: number, opts: StartSshNodesOptions = {}): Promise<SshTestNodes> {
  const sshdPath = opts.sshdPath ?? SSHD_PATH;
  if (!opts.forceFallback && existsSync(sshdPath)) return startOpenSshNodes(n, { sshdPath });
  if (!opts.forceFallback) {
    if (process.env.DYNSLICE_REQUIRE_SSHD === '1') {
      throw new Error(`${sshdPath} not found and DYNSLICE_REQUIRE_SSHD=1: install openssh-server`);
    }
    if (!noticePrinted) {
      console.warn(
        `NOTICE: ${sshdPath} not found; SSH tests run against an in-process ssh2 server instead of OpenSSH.`,
      );
      noticePrinted = true;
    }
  }
  return startSsh2Nodes(n);
}
