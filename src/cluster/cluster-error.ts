/** Why a call to the cluster's server-side API failed; callers and tests branch on `code`. */
export type ClusterErrorCode =
  /** No connection, TLS refused (e.g. a certificate the server does not accept), connection reset. */
  | 'CLUSTER_CONNECT'
  | 'CLUSTER_TIMEOUT'
  /** An HTTP status other than 200 (503 only after the retries). */
  | 'CLUSTER_HTTP'
  /** BUSY (14) after the retries. */
  | 'CLUSTER_BUSY'
  /** The reply was an XML-RPC fault. */
  | 'CLUSTER_FAULT'
  /** The reply could not be read as a ProtoGENI reply. */
  | 'CLUSTER_BAD_REPLY'
  /** A ProtoGENI reply with a non-zero code. */
  | 'CLUSTER_REFUSED'
  /** cluster.defwaittime is above the server's maxwaittime: refused before asking. */
  | 'DEFWAITTIME_ABOVE_MAX';

export class ClusterError extends Error {
  override readonly name = 'ClusterError';

  constructor(
    readonly code: ClusterErrorCode,
    message: string,
    readonly details: { method?: string; protogeniCode?: number; status?: number; output?: string } = {},
  ) {
    super(message);
  }
}
