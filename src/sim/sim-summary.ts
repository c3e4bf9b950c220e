import type { Scenario } from './scenario.js';
import type { SimRecord } from './sim-record.js';

export interface SimSummary {
  nodes: number;
  releasedEarly: number;
  takenAtDeadline: number;
  couldNotWait: number;
  pending: number;
  /** Sum over released nodes of the max_wait_time the cluster no longer had to wait. */
  givenBackSeconds: number;
  nodeMinutesGivenBack: number;
  countdownCalls: number;
}

export function summarize(record: SimRecord): SimSummary {
  const count = (end: string) => record.nodes.filter((n) => n.end === end).length;
  const givenBackSeconds = record.nodes.reduce((sum, n) => sum + n.givenBackSeconds, 0);
  return {
    nodes: record.nodes.length,
    releasedEarly: count('released'),
    takenAtDeadline: count('deadline'),
    couldNotWait: count('no-wait'),
    pending: count('pending'),
    givenBackSeconds,
    nodeMinutesGivenBack: Math.round((givenBackSeconds / 60) * 100) / 100,
    countdownCalls: record.events.filter((e) => e.type === 'countdown').length,
  };
}

/**
 * What did not end as the scenario expects; empty when it did. `workLost` are the nodes the agent
 * reports deleted before their drain was verified (only the agent knows that).
 */
export function unmetExpectations(
  expect: Scenario['expect'],
  record: SimRecord,
  workLost: readonly string[],
): string[] {
  const problems: string[] = [];
  const early = record.nodes.filter((n) => n.end === 'released').map((n) => n.nodeId);
  const want = expect.releasedEarly;
  const late = record.nodes
    .filter((n) => n.end !== 'released' && n.end !== 'no-wait')
    .map((n) => `${n.nodeId} (${n.end})`);
  if (want === 'all' && late.length > 0) {
    problems.push(`expected every node released early; not: ${late.join(', ')}`);
  } else if (typeof want === 'number' && early.length !== want) {
    problems.push(`expected ${want} nodes released early, got ${early.length}`);
  } else if (Array.isArray(want) && [...want].sort().join() !== [...early].sort().join()) {
    problems.push(`expected released early: ${want.join(', ') || 'none'}; got: ${early.join(', ') || 'none'}`);
  }
  if (expect.workLost !== 'any' && workLost.length !== expect.workLost) {
    problems.push(
      `expected work lost on ${expect.workLost} nodes, got ` +
        `${workLost.length}${workLost.length ? ` (${workLost.join(', ')})` : ''}`,
    );
  }
  const pending = record.nodes.filter((n) => n.end === 'pending').map((n) => n.nodeId);
  if (pending.length > 0) problems.push(`the run ended with nodes still pending: ${pending.join(', ')}`);
  const failed = record.events.filter(
    (e) => e.type !== 'missed' && e.call.failure !== undefined && !e.call.failure.startsWith('reply-dropped'),
  );
  for (const e of failed) if (e.type !== 'missed') problems.push(`${e.call.method} failed: ${e.call.failure}`);
  return problems;
}
