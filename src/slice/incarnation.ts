/**
 * A node_id the cluster deleted (NotifyDeleteComplete) may be given back to the slice later: elastic
 * slices gain and lose the same physical nodes over days. The node is then a new incarnation with its
 * own actor and its own drain; nothing of the deleted one makes it releasable.
 *
 * The rule, in one place: a call naming a deleted node means it is back in the slice when
 * - SetResourceValues lists it with a client_id (entries carry client_id only for the slice's nodes), or
 * - NotifyDeletePending names it at least `graceMs` after its deletion.
 * A countdown within `graceMs` of the deletion repeats what the agent already saw (the same call,
 * late or retried): the node stays deleted and is answered released, and nothing runs on it.
 * Values replayed from the journal after a restart never bring a node back: a node given back before
 * the restart has its new incarnation in the journal already.
 */
export type NamedBy = 'values' | 'countdown' | 'replay';

/** Seconds after a NotifyDeleteComplete during which a countdown naming the node is a late repeat. */
export const DEFAULT_DELETED_GRACE_SECONDS = 120;

export function backInSlice(namedBy: NamedBy, deletedAt: number | null, now: number, graceMs: number): boolean {
  if (namedBy !== 'countdown') return namedBy === 'values';
  return deletedAt === null || now - deletedAt >= graceMs;
}
