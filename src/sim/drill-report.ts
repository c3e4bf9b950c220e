import { alignColumns as table } from '../observe/text-table.js';
import type { DryRunCall } from '../ssh/dry-run-runner.js';
import type { NodeFacts } from './node-facts.js';
import type { NodeOutcome, SimRecord } from './sim-record.js';

const since = (record: SimRecord, at: number | null): string =>
  at === null ? '—' : `+${((at - record.startedAt) / 1000).toFixed(1)}s`;

function released(outcome: NodeOutcome): string {
  if (outcome.end === 'released') return `countdown #${outcome.endTick}`;
  if (outcome.end === 'deadline') return `no: taken at the deadline (#${outcome.endTick})`;
  if (outcome.end === 'no-wait') return `no: cluster could not wait (#${outcome.endTick})`;
  return 'no: still pending';
}

function result(facts: NodeFacts | undefined, dryRun: boolean): string {
  if (!facts) return 'never drained (the agent did not manage this node)';
  const cause = [facts.forcedReason, facts.failure].filter(Boolean).join(': ');
  const lost = facts.workLost ? ', WORK LOST' : '';
  // A dry run's verifies "pass" without running: nothing was drained, nothing verified.
  if (facts.verifiedAt !== null && dryRun) return `not executed (dry run)${lost}`;
  if (facts.verifiedAt !== null) return `drained and verified${lost}`;
  return `${facts.state} — ${cause || 'the drain had not finished when the cluster took the node'}${lost}`;
}

/** The drill's per-node report: drain started, verified, released at countdown k, seconds back, failure. */
export function describeDrill(
  record: SimRecord,
  factsOf: (nodeId: string) => NodeFacts | undefined,
  dryRun = false,
): string[] {
  const rows = [['node', 'drain started', 'verified', 'released', 'given back', 'result']];
  for (const outcome of record.nodes) {
    const facts = factsOf(outcome.nodeId);
    rows.push([
      `${outcome.nodeId}${outcome.clientId ? ` ${outcome.clientId}` : ''}`,
      facts?.drainStartedAt == null ? '—' : `#${outcome.revokedAtTick} ${since(record, facts.drainStartedAt)}`,
      dryRun && facts?.verifiedAt != null ? 'not executed' : since(record, facts?.verifiedAt ?? null),
      released(outcome),
      `${outcome.givenBackSeconds} s`,
      result(facts, dryRun),
    ]);
  }
  return table(rows);
}

/** What a dry run would have executed, per node, in order, without repeats of the same command. */
export function describeDryRun(calls: readonly DryRunCall[]): string[] {
  const byNode = new Map<string, DryRunCall[]>();
  for (const call of calls) byNode.set(call.target.nodeId, [...(byNode.get(call.target.nodeId) ?? []), call]);
  const lines: string[] = [];
  for (const [nodeId, nodeCalls] of byNode) {
    const { user, host, port } = nodeCalls[0]!.target;
    lines.push(`${nodeId} (${user}@${host}:${port}) would run:`);
    for (const command of new Set(nodeCalls.map((c) => c.command))) lines.push(`    ${command}`);
  }
  return lines;
}
