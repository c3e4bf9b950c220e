import { isIPv4 } from 'node:net';
import { z } from 'zod';
import { DEFAULT_HANDLER_TIMEOUT_MS } from '../protocol/client-endpoint.js';
import { DEFAULT_MAX_NODES_PER_CALL } from '../protocol/lenient-params.js';
import { parseCidr } from './cidr.js';
import { parseListenAddress } from './listen-address.js';

const seconds = z.number().nonnegative();
const HANDLER_TIMEOUT_SECONDS = DEFAULT_HANDLER_TIMEOUT_MS / 1000;

/** URL-safe characters only (RFC 3986 "unreserved"), so the token never needs escaping in a path. */
export const TOKEN_PATTERN = /^[A-Za-z0-9._~-]{22,256}$/;
export const TOKEN_EXPECTATION =
  'expected 22 to 256 characters from A-Z a-z 0-9 . _ ~ - (make one with `dynslice-agent token`)';

/** 127.0.0.0/8, ::1 (also IPv4-mapped) and `localhost`: addresses no other machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  const v4 = bare.startsWith('::ffff:') ? bare.slice(7) : bare;
  if (isIPv4(v4)) return v4.startsWith('127.');
  return bare === '::1' || bare === '0:0:0:0:0:0:0:1' || bare === 'localhost';
}

const filePath = z.string().min(1);

export const tlsSchema = z.strictObject({
  /** PEM certificate (chain) the endpoint presents. */
  cert: filePath,
  /** PEM private key of that certificate. */
  key: filePath,
  /** File holding the key's passphrase, when the key is encrypted. */
  passphraseFile: filePath.optional(),
});

export const endpointSchema = z
  .strictObject({
    /** host:port the cluster calls; `[::1]:8001` for IPv6. */
    listen: z
      .string()
      .default('127.0.0.1:8001')
      .refine((v) => {
        try {
          parseListenAddress(v);
          return true;
        } catch {
          return false;
        }
      }, 'expected host:port'),
    /** URL path the cluster posts to. */
    path: z.string().startsWith('/').default('/dynslice'),
    maxBodyBytes: z
      .number()
      .int()
      .positive()
      .default(1024 * 1024),
    maxNodesPerCall: z.number().int().positive().default(DEFAULT_MAX_NODES_PER_CALL),
    headersTimeoutSeconds: seconds.default(10),
    requestTimeoutSeconds: seconds.default(30),
    /** A connection on which nothing is read or written for this long is closed; also bounds an idle keep-alive. */
    idleTimeoutSeconds: z
      .number()
      .gt(
        HANDLER_TIMEOUT_SECONDS,
        `expected more than ${HANDLER_TIMEOUT_SECONDS}: a call may be handled for ${HANDLER_TIMEOUT_SECONDS} s while its connection is quiet`,
      )
      .default(30),
    /** Calls decoded and handled at once (a request takes its slot once its body is in); more get HTTP 503. */
    maxConcurrentRequests: z.number().int().positive().default(64),
    /** After 2 s, a body must arrive at least this fast on average or it is cut (HTTP 408); 0: no minimum. */
    minBodyBytesPerSecond: z
      .number()
      .int()
      .nonnegative()
      .default(32 * 1024),
    /** Open connections at most, checked as they are accepted (before TLS). */
    maxConnections: z.number().int().positive().default(512),
    /** Open connections from one source at most (an IPv4 address, or an IPv6 /64). */
    maxConnectionsPerSource: z.number().int().positive().default(128),
    /** Serve HTTPS with this certificate. */
    tls: tlsSchema.optional(),
    /** Plain HTTP on an address other machines can reach (behind a TLS-terminating proxy). */
    allowHttp: z.boolean().default(false),
    /** The endpoint then answers only at `{path}/{token}`. */
    token: z.string().regex(TOKEN_PATTERN, TOKEN_EXPECTATION).optional(),
    /** File holding the token (first line), instead of `token`. */
    tokenFile: filePath.optional(),
    /** PEM CA bundle: callers must present a certificate it signed. */
    clientCa: filePath.optional(),
    /** Accepted client certificate subjects: a CN (`boss.emulab.net`) or a whole DN (`CN=…,O=…`). */
    clientSubjects: z.array(z.string().trim().min(1)).min(1).optional(),
    /** Source addresses allowed to call: CIDRs or single addresses, IPv4 and IPv6. */
    allow: z.array(z.string().refine((v) => parseCidr(v) !== null, 'expected an address or CIDR')).optional(),
  })
  .superRefine((endpoint, ctx) => {
    const issue = (key: string, message: string) => ctx.addIssue({ code: 'custom', path: [key], message });
    if (endpoint.requestTimeoutSeconds < endpoint.headersTimeoutSeconds || endpoint.headersTimeoutSeconds === 0) {
      issue(
        'requestTimeoutSeconds',
        'expected headersTimeoutSeconds > 0 and requestTimeoutSeconds ≥ headersTimeoutSeconds',
      );
    }
    if (endpoint.token !== undefined && endpoint.tokenFile !== undefined)
      issue('tokenFile', 'set token or tokenFile, not both');
    if (endpoint.clientCa !== undefined && endpoint.tls === undefined)
      issue('clientCa', 'client certificates need endpoint.tls');
    if (endpoint.clientSubjects !== undefined && endpoint.clientCa === undefined)
      issue('clientSubjects', 'needs endpoint.clientCa');
    for (const problem of exposureProblems(endpoint)) issue(problem.key, problem.message);
  });

export type EndpointConfig = z.infer<typeof endpointSchema>;
type Exposure = Pick<EndpointConfig, 'tls' | 'allowHttp' | 'token' | 'tokenFile' | 'clientCa'>;

/**
 * An endpoint other machines can reach must speak HTTPS (unless `allowHttp`) and authenticate its
 * callers (a token or client certificates). Empty for a loopback host.
 */
export function exposureProblems(
  endpoint: Exposure & { listen: string },
  host = listenHost(endpoint.listen),
): Array<{ key: string; message: string }> {
  if (host === null || isLoopbackHost(host)) return [];
  const problems: Array<{ key: string; message: string }> = [];
  if (endpoint.tls === undefined && !endpoint.allowHttp) {
    problems.push({
      key: 'tls',
      message: `required to listen on ${host}, which is not loopback (or set endpoint.allowHttp: true)`,
    });
  }
  if (endpoint.token === undefined && endpoint.tokenFile === undefined && endpoint.clientCa === undefined) {
    problems.push({
      key: 'token',
      message:
        `an endpoint on ${host} must authenticate callers: set endpoint.token, endpoint.tokenFile or ` +
        `endpoint.clientCa`,
    });
  }
  return problems;
}

function listenHost(listen: string): string | null {
  try {
    return parseListenAddress(listen).host;
  } catch {
    return null;
  }
}

/** Resolves the endpoint's file paths (TLS, token, CA) the way every other path in the file is. */
export function resolveEndpointPaths(endpoint: EndpointConfig, resolvePath: (path: string) => string): void {
  if (endpoint.tls !== undefined) {
    endpoint.tls.cert = resolvePath(endpoint.tls.cert);
    endpoint.tls.key = resolvePath(endpoint.tls.key);
    if (endpoint.tls.passphraseFile !== undefined)
      endpoint.tls.passphraseFile = resolvePath(endpoint.tls.passphraseFile);
  }
  if (endpoint.tokenFile !== undefined) endpoint.tokenFile = resolvePath(endpoint.tokenFile);
  if (endpoint.clientCa !== undefined) endpoint.clientCa = resolvePath(endpoint.clientCa);
}

/**
 * The endpoint's defaults, as the schema gives them: the endpoint's modules take theirs from here
 * (src/endpoint's DEFAULT_* constants), so a default is written once.
 */
export const ENDPOINT_DEFAULTS = endpointSchema.parse({});
