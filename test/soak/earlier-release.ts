import { join } from 'node:path';
import { readJournal } from '../../src/store/journal-reader.js';
import { journalSegments } from '../../src/store/snapshot-file.js';
import type { AgentWorld } from '../model/agent-world.js';
import type { ClusterModel } from '../model/cluster-model.js';
import type { ReleaseLedger, WireEntry } from '../model/invariants.js';

/** A state directory the first release wrote (state format 1: records without `v`): see test/store/state-format.test.ts. */
export const FORMAT_1_STATE = join(import.meta.dirname, '../fixtures/state-v1');

/** What the state directory's journal says the cluster did before the upgrade, and what the nodes proved then. */
export interface EarlierLife {
  /** The calls the cluster made, in order. */
  calls: Array<{ method: string; at: number; entries: WireEntry[] }>;
  /** Verifies that passed (node, step): the nodes' truth in that life, as the old release ran them. */
  passed: Array<{ nodeId: string; step: string }>;
  /** What each countdown reply told the cluster it may take. */
  released: string[][];
}

export async function readEarlierLife(dir: string): Promise<EarlierLife> {
  const life: EarlierLife = { calls: [], passed: [], released: [] };
  for (const file of await journalSegments(dir)) {
    for (const record of (await readJournal(file)).records) {
      if (record.kind === 'call' && record.refused === undefined)
        life.calls.push({ method: record.method, at: record.t, entries: record.nodes as WireEntry[] });
      if (record.kind === 'command' && record.phase === 'verify' && record.state === 'finished' && record.code === 0)
        life.passed.push({ nodeId: record.nodeId, step: record.step });
      if (record.kind === 'reply' && record.method === 'NotifyDeletePending' && record.error === undefined)
        life.released.push(record.released);
    }
  }
  return life;
}

/**
 * The model takes the earlier release's calls as its own history, before the agent starts on that
 * state: the cluster deleted and counted down those nodes, and was told they were released.
 */
export function modelEarlierCalls(life: EarlierLife, model: ClusterModel): void {
  for (const { method, at, entries } of life.calls) {
    for (const entry of entries) {
      if (method === 'NotifyDeleteComplete') model.deleteEntry(entry, at);
      if (method === 'SetResourceValues') model.valuesEntry(entry, () => undefined);
      if (method === 'NotifyDeletePending') model.countdownEntry(entry, at, () => undefined);
    }
  }
}

/** Once the agent runs on the upgraded state: the nodes' verifies, and what the cluster was told, bind it. */
export function bindEarlierLife(life: EarlierLife, world: AgentWorld, ledger: ReleaseLedger): void {
  for (const { nodeId, step } of life.passed) world.runner.passed(nodeId, step);
  for (const released of life.released)
    for (const nodeId of released) ledger.observe(nodeId, 1, true, 'a reply of the release before the upgrade');
}
