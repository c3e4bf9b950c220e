import { type EndpointConfig, exposureProblems } from '../config/endpoint-schema.js';
import { ConfigError } from '../config/load-config.js';
import { createCallerGate } from './caller-gate.js';
import { readEndpointSecrets } from './endpoint-secrets.js';
import { createEndpointServer, type EndpointServer, type EndpointServerOptions } from './http-server.js';
import { registeredUrl } from './registered-url.js';
import { tokenPath } from './token-path.js';

/** What the configuration does not decide: the handlers, the logger, observers. */
export type ConfiguredEndpointDeps = Omit<
  EndpointServerOptions,
  | 'path'
  | 'maxBodyBytes'
  | 'maxNodesPerCall'
  | 'maxConcurrentRequests'
  | 'minBodyBytesPerSecond'
  | 'headersTimeoutMs'
  | 'requestTimeoutMs'
  | 'idleTimeoutMs'
  | 'tls'
  | 'allowRequest'
  | 'connectionLimits'
>;

export interface ListeningEndpoint {
  server: EndpointServer;
  host: string;
  port: number;
  /** The URL to register with the cluster; it holds the token. */
  url: string;
  /** The same with the token replaced: the form to log. */
  redactedUrl: string;
}

/**
 * Serves the endpoint the configuration describes on `host:port`: reads its secrets, refuses a
 * host that breaks the exposure rules (ConfigError naming the key), and puts the caller gate in
 * front of the XML-RPC listener.
 */
export async function listenConfiguredEndpoint(
  endpoint: EndpointConfig,
  address: { port: number; host: string },
  deps: ConfiguredEndpointDeps,
): Promise<ListeningEndpoint> {
  const [problem] = exposureProblems(endpoint, address.host);
  if (problem !== undefined)
    throw new ConfigError(`endpoint.${problem.key}: ${problem.message}`, `endpoint.${problem.key}`);
  const { token, tls } = await readEndpointSecrets(endpoint);
  const path = token === null ? endpoint.path : tokenPath(endpoint.path, token);
  const server = createEndpointServer({
    ...deps,
    path,
    maxBodyBytes: endpoint.maxBodyBytes,
    maxNodesPerCall: endpoint.maxNodesPerCall,
    maxConcurrentRequests: endpoint.maxConcurrentRequests,
    minBodyBytesPerSecond: endpoint.minBodyBytesPerSecond,
    headersTimeoutMs: endpoint.headersTimeoutSeconds * 1000,
    requestTimeoutMs: endpoint.requestTimeoutSeconds * 1000,
    idleTimeoutMs: endpoint.idleTimeoutSeconds * 1000,
    tls: tls ?? undefined,
    allowRequest: createCallerGate({
      exactPath: token === null ? undefined : path,
      allow: endpoint.allow,
      clientCertificates: tls?.clientCa === undefined ? undefined : { subjects: endpoint.clientSubjects },
    }),
    connectionLimits: {
      maxConnections: endpoint.maxConnections,
      maxConnectionsPerSource: endpoint.maxConnectionsPerSource,
      allow: endpoint.allow,
    },
  });
  const bound = await server.listen(address.port, address.host);
  return {
    server,
    ...bound,
    url: registeredUrl(endpoint, bound, { token }),
    redactedUrl: registeredUrl(endpoint, bound, { token, redact: true }),
  };
}
