/** One entry of a `nodelist` after lenient decoding and validation. */
export interface NodeEntry {
  node_id: string;
  client_id?: string;
  component_urn?: string;
  /** Present on NotifyDeletePending / NotifyDeleteComplete entries. */
  max_wait_time?: number;
  /** Present on SetResourceValues entries; 0..1. */
  value?: number;
}

/** What a handler may know of the call it serves. */
export interface CallContext {
  /** Aborted when the caller was answered without this handler's result (it took too long). */
  signal: AbortSignal;
}

/**
 * What the agent does for each client-side method; the protocol layer owns decoding, encoding and
 * errors. Promises so that a journal can be flushed before the reply leaves.
 */
export interface ClientEndpointHandlers {
  setResourceValues(nodes: NodeEntry[], call?: CallContext): Promise<void>;
  /**
   * Given the entries of the countdown that could be read (an unreadable one is answered without
   * the agent), returns the node ids the cluster may take now (max_wait_time 0 in the reply).
   * Must answer from existing state: it never waits for SSH.
   */
  notifyDeletePending(nodes: NodeEntry[], call?: CallContext): Promise<Set<string>>;
  notifyDeleteComplete(nodes: NodeEntry[], call?: CallContext): Promise<void>;
}
