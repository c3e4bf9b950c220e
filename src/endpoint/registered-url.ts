import { hostname } from 'node:os';
import type { EndpointConfig } from '../config/endpoint-schema.js';
import { tokenPath } from './token-path.js';

export const REDACTED_TOKEN = '[token]';

export interface BoundAddress {
  host: string;
  port: number;
}

const UNSPECIFIED = new Set(['', '0.0.0.0', '::', '0:0:0:0:0:0:0:0']);

/**
 * The URL to register with the cluster (`SetSliceClientEndpoint`): https when `tls` is set, the
 * token as the last path segment. A wildcard listen address is replaced by this machine's name.
 * `token` defaults to `endpoint.token`; pass the one read from `tokenFile` (readEndpointSecrets).
 * With `redact`, the token is replaced by `[token]`: the form that may be logged.
 */
export function registeredUrl(
  endpoint: Pick<EndpointConfig, 'path' | 'tls' | 'token'>,
  bound: BoundAddress,
  options: { token?: string | null; redact?: boolean } = {},
): string {
  const token = options.token === undefined ? (endpoint.token ?? null) : options.token;
  const host = UNSPECIFIED.has(bound.host) ? hostname() : bound.host;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const scheme = endpoint.tls === undefined ? 'http' : 'https';
  const path = token === null ? endpoint.path : tokenPath(endpoint.path, options.redact ? REDACTED_TOKEN : token);
  return `${scheme}://${shownHost}:${bound.port}${path}`;
}
