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
const clientIdOf = (nodeId: string): string =>
  CONFIGURED.find(([id]) => id === nodeId)?.[1] ?? (nodeId === 'ux1' ? 'ux1c' : `${nodeId}c`);

/**
 * The cluster's manifest of the slice, as `geni-get manifest` prints it: which nodes it lists now,
 * whether reading it fails, and every read that succeeded (what it listed), for the evidence.
 */
export class ManifestWorld {
  readonly listed = new Set<string>(CONFIGURED.map(([id]) => id));
  failing = false;
  /** The manifest changed since the last read that succeeded: the agent's next read may change its answers. */
  changed = false;
  /** The node_ids each read that succeeded listed, oldest first (the start reads included). */
  readonly reads: ReadonlySet<string>[] = [];

  read(mayFail: boolean): ManifestNodeList {
    if (mayFail && this.failing) throw new Error('geni-get: cannot reach the cluster');
    this.reads.push(new Set(this.listed));
    this.changed = false;
    const nodes = [...this.listed].map((nodeId) => ({
      nodeId,
      clientId: clientIdOf(nodeId),
      host: `${clientIdOf(nodeId)}.nodes.test`,
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
