import { z } from 'zod';

/** The dynslice server port and path on the cluster's boss host (protocol.md §3, assumed). */
export const DEFAULT_CLUSTER_PORT = 12369;
export const DEFAULT_CLUSTER_PATH = '/protogeni/xmlrpc/dynslice';

const httpUrl = z.url({ protocol: /^https?$/ });

/**
 * `cluster:` — how the agent registers its endpoint with the cluster (SetSliceClientEndpoint).
 * Which keys a registration needs is checked when one is made (src/cluster/cluster-settings.ts),
 * so `check` and `run` without registration accept a partial section.
 */
export const clusterSchema = z.strictObject({
  /** `run` registers the endpoint on start. */
  register: z.boolean().default(false),
  /** The cluster's boss host; gives the default url. */
  bossHost: z.string().min(1).optional(),
  /** The server-side API; default https://<bossHost>:12369/protogeni/xmlrpc/dynslice. */
  url: httpUrl.optional(),
  /**
   * The credential file the portal gives (cloudlab.pem: the key, possibly encrypted, and the certificate): instead of
   * certPath and keyPath.
   */
  credentialPem: z.string().min(1).optional(),
  /** The experimenter's PEM certificate and key (the key may be encrypted: passphraseFile). */
  certPath: z.string().min(1).optional(),
  keyPath: z.string().min(1).optional(),
  passphraseFile: z.string().min(1).optional(),
  /** CA that signed the cluster's server certificate; default: the system's CAs. */
  caPath: z.string().min(1).optional(),
  /** The slice credential (signed XML), sent in `credentials`. */
  credentialPath: z.string().min(1).optional(),
  sliceUrn: z
    .string()
    .regex(/^urn:publicid:IDN\+/, 'expected urn:publicid:IDN+…')
    .optional(),
  /** LIFO: the cluster values nodes by age; CLIENT: the client supplies values. Default: the server's. */
  policy: z.enum(['LIFO', 'CLIENT']).optional(),
  /** Countdown start in seconds, at most the server's maxwaittime. Default: the server's maxwaittime. */
  defwaittime: z.number().int().nonnegative().optional(),
  /** The URL the cluster calls; default http://<endpoint.listen><endpoint.path>. */
  endpointUrl: httpUrl.optional(),
  timeoutSeconds: z.number().positive().default(60),
  /** Further tries after BUSY (14) or HTTP 503. */
  retries: z.number().int().nonnegative().default(3),
  retryDelaySeconds: z.number().nonnegative().default(5),
  /** `run` removes the registration when it stops cleanly. */
  unregisterOnStop: z.boolean().default(false),
});

export type ClusterConfig = z.infer<typeof clusterSchema>;
