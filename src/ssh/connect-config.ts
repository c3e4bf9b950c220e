import type { ConnectConfig, ServerHostKeyAlgorithm } from 'ssh2';
import type { HostKeyCheck, HostKeyDecision } from './host-key-policy.js';
import type { SshTarget } from './runner-types.js';

/** What ssh2 is told for one connection attempt; `onDecision` learns the host key verdict. */
export function connectConfig(
  target: SshTarget,
  privateKey: string,
  check: HostKeyCheck,
  readyTimeout: number,
  onDecision: (decision: HostKeyDecision) => void,
): ConnectConfig & { privateKey: string } {
  const algorithms = check.preferredAlgorithms as ServerHostKeyAlgorithm[];
  return {
    host: target.host,
    port: target.port,
    username: target.user,
    privateKey,
    readyTimeout,
    // A node reloaded under us sends no RST; keepalives notice within ~20 s.
    keepaliveInterval: 5_000,
    keepaliveCountMax: 3,
    // Remove first: ssh2 applies the keys in order, and prepend skips names already listed.
    algorithms: algorithms.length > 0 ? { serverHostKey: { remove: algorithms, prepend: algorithms, append: [] } } : {},
    hostVerifier: (hostKey: Buffer, verify: (ok: boolean) => void) => {
      void check.verify(hostKey).then(
        (d) => {
          onDecision(d);
          verify(d.accepted);
        },
        () => verify(false),
      );
    },
  };
}
