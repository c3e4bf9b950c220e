import type { ListedNode } from '../slice/listed-node.js';
import { targetOfListed } from '../slice/node-list.js';
import { alignColumns } from '../observe/text-table.js';
import type { RunResult, SshRunner } from '../ssh/ssh-runner.js';

export type LoginOutcome = 'reachable' | 'host key unknown' | 'host key mismatch' | 'auth failed' | 'unreachable';

export interface LoginCheck {
  node: ListedNode;
  outcome: LoginOutcome;
  /** Why, for anything but reachable (the runner's reason and message). */
  detail: string;
}

/** What one login attempt says about a node. */
export function loginOutcome(result: RunResult): { outcome: LoginOutcome; detail: string } {
  if (result.code !== null) return { outcome: 'reachable', detail: '' };
  const detail = (result.detail ?? result.failure ?? '').split('\n')[0] ?? '';
  if (result.unreachable === 'host-key-unknown') return { outcome: 'host key unknown', detail };
  if (result.unreachable === 'host-key-mismatch') return { outcome: 'host key mismatch', detail };
  if (result.unreachable === 'auth-failed') return { outcome: 'auth failed', detail };
  return { outcome: 'unreachable', detail };
}

/** Logs in to every node once (`true`), all at once within the runner's connect limit. */
export async function checkLogins(nodes: readonly ListedNode[], runner: SshRunner, timeoutMs: number): Promise<LoginCheck[]> {
  return Promise.all(
    nodes.map(async (node) => ({ node, ...loginOutcome(await runner.run(targetOfListed(node), 'true', { timeoutMs })) })),
  );
}

export function loginTable(checks: readonly LoginCheck[]): string {
  const rows = [['NODE', 'LOGIN', 'SSH', 'DETAIL']];
  for (const { node, outcome, detail } of checks) rows.push([node.nodeId, `${node.user}@${node.host}:${node.port}`, outcome, detail || '-']);
  const bad = checks.filter((check) => check.outcome !== 'reachable').length;
  return `${alignColumns(rows).join('\n')}\n\n${checks.length - bad} of ${checks.length} nodes reachable\n`;
}
