import type { StepPhase } from '../../machines/drain.types.js';
import type { NodeMemory, RestorableState } from '../../machines/node.types.js';
import { MEMORY_KEYS } from '../../machines/node.types.js';
import type { LifeChange } from '../slice/node-lives.js';
import type { SshTarget } from '../ssh/runner-types.js';
import type { StoredCall, StoredReply, WholeCall, WholeReply } from './call-records.js';

/** A node as the journal remembers it: enough to rebuild its actor after a restart. */
export interface NodeRecord {
  nodeId: string;
  clientId: string | null;
  target: SshTarget;
  state: RestorableState;
  memory: NodeMemory;
  /**
   * Learned from a call (its host from hostTemplate) rather than from the node list; absent in
   * records of earlier releases (then the node list decides, see restore-nodes.ts).
   */
  adopted?: boolean;
}

/** A node_id outside the slice's nodes changed life (see src/slice/node-lives.ts). */
export type LifeRecord = LifeChange;

/**
 * What every line of the journal starts with: `v` the record's format (see state-format.ts; absent in
 * records of the first release), `seq` grows by one per line across rotations, `t` is epoch ms.
 */
interface RecordHead {
  v?: number;
  seq: number;
  t: number;
}

/** Records other than calls and replies: on disk as they are read. */
type StateRecord =
  | (RecordHead & { kind: 'start'; pid: number; recovered: number })
  | (RecordHead & { kind: 'node' } & NodeRecord)
  | (RecordHead & { kind: 'life' } & LifeRecord)
  | (RecordHead & { kind: 'command' } & CommandRecord)
  | (RecordHead & { kind: 'stop' });

/** One record of the journal as the agent reads it: calls and replies whole (see call-records.ts). */
export type JournalRecord = StateRecord | (RecordHead & WholeCall) | (RecordHead & WholeReply);

/** One line of the journal as written: a repeated call or reply may lean on the one before it. */
export type StoredRecord = StateRecord | (RecordHead & StoredCall) | (RecordHead & StoredReply);

const KINDS: ReadonlySet<string> = new Set<JournalRecord['kind']>([
  'start',
  'call',
  'reply',
  'node',
  'life',
  'command',
  'stop',
]);

export const isJournalKind = (kind: string): kind is JournalRecord['kind'] => KINDS.has(kind);

/** A drain command started or finished on a node: how a restart knows which step the agent died in. */
export interface CommandRecord {
  nodeId: string;
  incarnation: number;
  rung: StepPhase;
  stepIndex: number;
  step: string;
  phase: 'run' | 'verify';
  state: 'started' | 'finished';
  code?: number | null;
}

export type JournalEntry = StoredRecord extends infer R
  ? R extends StoredRecord
    ? Omit<R, 'v' | 'seq' | 't'>
    : never
  : never;

/** Only the known memory fields, so a record never overrides anything else of the machine. */
export function pickMemory(context: NodeMemory): NodeMemory {
  return Object.fromEntries(MEMORY_KEYS.map((key) => [key, context[key]])) as unknown as NodeMemory;
}
