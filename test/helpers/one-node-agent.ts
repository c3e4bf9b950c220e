import type { SshTestNodes } from './sshd.js';

/**
 * The configuration of an agent (see startAgentProcess) that drains the first test node with
 * `drain`, trusting its host key, with its state in `stateDir`; `more` adds top-level keys.
 */
export function oneNodeAgentConfig(
  ssh: SshTestNodes,
  drain: Record<string, unknown>,
  stateDir: string,
  more: Record<string, unknown> = {},
): Record<string, unknown> {
  const node = ssh.nodes[0]!;
  return {
    endpoint: { listen: '127.0.0.1:0', path: '/dynslice' },
    ssh: sshLoginOf(ssh),
    nodes: [{ node_id: node.nodeId, client_id: node.clientId, host: node.host, port: node.port }],
    drain,
    state: { dir: stateDir },
    ...more,
  };
}

/** The `ssh:` section that logs in to the test nodes, checking their recorded host keys. */
export function sshLoginOf(ssh: SshTestNodes): Record<string, unknown> {
  return {
    user: ssh.nodes[0]!.user,
    privateKeyPath: ssh.privateKeyPath,
    knownHostsPath: ssh.knownHostsPath,
    hostKeyChecking: 'yes',
  };
}
