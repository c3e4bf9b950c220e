import type { FailurePolicy } from '../../machines/node.types.js';
import type { ManifestNodeList } from '../../src/node-list/manifest-nodes.js';
import { CONFIGURED, modelConfig } from './agent-world.js';

/** The configuration of the manifest world: nodes from the manifest, unknown nodes released (no hostTemplate). */
export function manifestModelConfig(stateDir: string, onFailure: FailurePolicy): Record<string, unknown> {
  const { hostTemplate: _template, ...config } = modelConfig(stateDir, onFailure, {
    nodes: { manifest: { command: 'geni-get manifest' }, reloadSeconds: 0 },
    unknownNodes: 'release',
  });
  return config;
}

/** The client_id the manifest gives each node_id (ux2's calls name it without one: outside the slice). */
const modelClientIdOf = (nodeId: string): string =>
  CONFIGURED.find(([id]) => id === nodeId)?.[1] ?? (nodeId === 'ux1' ? 'ux1c' : `${nodeId}c`);

/** A slice other than the model's four nodes (the soak's hundreds): which nodes, their client_ids and logins. */
export interface ManifestSlice {
  listed: Iterable<string>;
  clientIdOf(nodeId: string): string;
  hostOf(clientId: string): string;
}

// A function: agent-world.ts, which defines CONFIGURED, imports this module.
const modelSlice = (): ManifestSlice => ({
  listed: CONFIGURED.map(([id]) => id),
  clientIdOf: modelClientIdOf,
  hostOf: (clientId) => `${clientId}.nodes.test`,
});

/**
 * The cluster's manifest of the slice, as `geni-get manifest` prints it: which nodes it lists now,
 * whether reading it fails, and every read that succeeded (what it listed), for the evidence.
 */
export class ManifestWorld {
  readonly listed: Set<string>;
  failing = false;
  /** The manifest changed since the last read that succeeded: the agent's next read may change its answers. */
  changed = false;
  /** Reads that succeeded so far (the start reads included). */
  reads = 0;
  /**
   * Which reads listed each node_id: the spans of read numbers from which it was listed, up to
   * (without) `to`, or to now. Kept as spans, not a list per read: a month of hourly reads stays small.
   */
  private readonly spans = new Map<string, Array<{ from: number; to?: number }>>();
  private lastRead = new Set<string>();

  constructor(private readonly slice: ManifestSlice = modelSlice()) {
    this.listed = new Set(slice.listed);
  }

  read(mayFail: boolean): ManifestNodeList {
    if (mayFail && this.failing) throw new Error('geni-get: cannot reach the cluster');
    for (const id of this.listed) if (!this.lastRead.has(id)) this.spansOf(id).push({ from: this.reads });
    for (const id of this.lastRead) if (!this.listed.has(id)) this.spansOf(id).at(-1)!.to = this.reads;
    if (this.lastRead.size !== this.listed.size || [...this.listed].some((id) => !this.lastRead.has(id)))
      this.lastRead = new Set(this.listed);
    this.reads += 1;
    this.changed = false;
    const { clientIdOf, hostOf } = this.slice;
    const nodes = [...this.listed].map((nodeId) => ({
      nodeId,
      clientId: clientIdOf(nodeId),
      host: hostOf(clientIdOf(nodeId)),
      port: 22,
      user: 'root',
      source: 'geni-get manifest',
    }));
    return { nodes, excluded: [], skipped: [] };
  }

  /** Whether a read that succeeded after the `since`th did not list the node. */
  readWithout(nodeId: string, since: number): boolean {
    let read = since;
    for (const { from, to } of this.spans.get(nodeId) ?? []) {
      if (to !== undefined && to <= read) continue;
      if (from > read) break;
      read = to ?? this.reads;
    }
    return read < this.reads;
  }

  private spansOf(nodeId: string): Array<{ from: number; to?: number }> {
    let spans = this.spans.get(nodeId);
    if (!spans) this.spans.set(nodeId, (spans = []));
    return spans;
  }
}
