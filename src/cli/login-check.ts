import type { ListedNode } from '../node-list/listed-node.js';
import { alignColumns } from '../observe/text-table.js';
import { targetOfListed } from '../slice/node-list.js';
import type { RunResult, SshRunner } from '../ssh/runner-types.js';

export type LoginOutcome =
  | 'reachable'
  | 'host key unknown'
  | 'host key mismatch'
  | 'auth failed'
  | 'unreachable'
  | 'cannot run commands';

export interface LoginCheck {
  node: ListedNode;
  outcome: LoginOutcome;
  /** Why, for anything but reachable (the runner's reason and message). */
  detail: string;
}

/** What one login attempt says about a node. */
export function loginOutcome(result: RunResult): { outcome: LoginOutcome; detail: string } {
  // Logged in, but the wrapper every drain command runs in (sh, timeout) fails there: no drain can run.
  if (result.kind === 'notRun') return { outcome: 'cannot run commands', detail: result.detail };
  // A status of any kind (even the remote `timeout`'s) means the login worked.
  if (result.code !== null) return { outcome: 'reachable', detail: '' };
  const detail = result.detail.split('\n')[0] ?? '';
  if (result.kind !== 'unreachable') return { outcome: 'unreachable', detail };
  switch (result.reason) {
    case 'host-key-unknown':
      return { outcome: 'host key unknown', detail };
    case 'host-key-mismatch':
      return { outcome: 'host key mismatch', detail };
    case 'auth-failed':
      return { outcome: 'auth failed', detail };
    default:
      return { outcome: 'unreachable', detail };
  }
}

/** The command that fixes a host key problem of `node`, as OpenSSH's tools spell it. */
function hostKeyFix(outcome: LoginOutcome, node: ListedNode, knownHostsPath: string): string {
  const name = node.port === 22 ? node.host : `[${node.host}]:${node.port}`;
  if (outcome === 'host key unknown')
    return ` (record it: ssh-keyscan -p ${node.port} ${node.host} >> ${knownHostsPath})`;
  if (outcome === 'host key mismatch')
    return ` (if the node was reinstalled: ssh-keygen -R '${name}' -f ${knownHostsPath}, then record it again)`;
  return '';
}

/** Logs in to every node once (`true`), all at once within the runner's connect limit. */
export async function checkLogins(
  nodes: readonly ListedNode[],
  runner: SshRunner,
  timeoutMs: number,
  knownHostsPath: string,
): Promise<LoginCheck[]> {
  return Promise.all(
    nodes.map(async (node) => {
      const { outcome, detail } = loginOutcome(await runner.run(targetOfListed(node), 'true', { timeoutMs }));
      return { node, outcome, detail: detail + hostKeyFix(outcome, node, knownHostsPath) };
    }),
  );
}

export function loginTable(checks: readonly LoginCheck[]): string {
  const rows = [['NODE', 'LOGIN', 'SSH', 'DETAIL']];
  for (const { node, outcome, detail } of checks)
    rows.push([node.nodeId, `${node.user}@${node.host}:${node.port}`, outcome, detail || '-']);
  const bad = checks.filter((check) => check.outcome !== 'reachable').length;
  return `${alignColumns(rows).join('\n')}\n\n${checks.length - bad} of ${checks.length} nodes reachable\n`;
}
