import type { FailurePolicy } from '../../machines/node.types.js';
import type { ManifestNodeList } from '../../src/cluster/manifest-nodes.js';
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
  /** The node_ids each read that succeeded listed, oldest first (the start reads included). */
  readonly reads: ReadonlySet<string>[] = [];

  constructor(private readonly slice: ManifestSlice = modelSlice()) {
    this.listed = new Set(slice.listed);
  }

  read(mayFail: boolean): ManifestNodeList {
    if (mayFail && this.failing) throw new Error('geni-get: cannot reach the cluster');
    // A read that lists what the last one did shares its set: a month of hourly reads stays small.
    const last = this.reads.at(-1);
    const same = last?.size === this.listed.size && [...this.listed].every((id) => last.has(id));
    this.reads.push(same ? last : new Set(this.listed));
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
    return this.reads.slice(since).some((listed) => !listed.has(nodeId));
  }
}
