/**
 * A node of the slice's node list (the configuration's `nodes:`, or the manifest RSpec they point
 * to): where it is reached, and where the agent learned it.
 */
export interface ListedNode {
  nodeId: string;
  clientId: string | null;
  host: string;
  port: number;
  user: string;
  /** `config`, or the manifest file or command the node was read from. */
  source: string;
}
