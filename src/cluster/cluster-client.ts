import type { Logger } from 'pino';
import { ProtoGeniCode } from '../protocol/codes.js';
import { type WireStruct, wireInt } from '../protocol/envelope.js';
import { decodeMethodResponse, encodeMethodCall, XmlRpcFaultReply } from './cluster-codec.js';
import { ClusterError } from './cluster-error.js';
import { type ProtoGeniResult, readProtoGeniReply, wholeNumber } from './protogeni-reply.js';
import { postXml, type TlsIdentity } from './xml-post.js';

export type Policy = 'LIFO' | 'CLIENT';

export interface ServerDefaults {
  maxwaittime: number;
  policy: Policy;
}

export interface ClusterClientOptions {
  url: string;
  tls?: TlsIdentity;
  timeoutMs: number;
  /** Further tries after BUSY or HTTP 503. */
  retries: number;
  retryDelayMs: number;
  logger: Logger;
}

export interface EndpointRegistration {
  sliceUrn: string;
  url: string;
  credentials: string[];
  policy: Policy;
  defwaittime: number;
}

/** The cluster's server-side API (protocol.md §3), one struct argument per call. */
export interface ClusterClient {
  getVersion(): Promise<number>;
  getServerDefaults(): Promise<ServerDefaults>;
  setSliceClientEndpoint(registration: EndpointRegistration): Promise<void>;
  removeSliceClientEndpoint(args: { sliceUrn: string; credentials: string[] }): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createClusterClient(options: ClusterClientOptions): ClusterClient {
  const url = new URL(options.url);
  const log = options.logger.child({ component: 'cluster', server: url.host });

  async function attempt(method: string, params: WireStruct | undefined): Promise<ProtoGeniResult | 'busy'> {
    const xml = encodeMethodCall(method, params === undefined ? [] : [params]);
    const reply = await postXml(url, xml, { method, timeoutMs: options.timeoutMs, tls: options.tls });
    if (reply.status === 503) return 'busy';
    if (reply.status !== 200) {
      throw new ClusterError('CLUSTER_HTTP', `${method}: HTTP ${reply.status} from ${url.host}`, {
        method,
        status: reply.status,
      });
    }
    let decoded: unknown;
    try {
      decoded = await decodeMethodResponse(reply.body);
    } catch (error) {
      if (error instanceof XmlRpcFaultReply) {
        throw new ClusterError('CLUSTER_FAULT', `${method}: XML-RPC fault ${error.faultCode}: ${error.faultString}`, {
          method,
        });
      }
      throw new ClusterError('CLUSTER_BAD_REPLY', `${method}: unreadable reply (${(error as Error).message})`, {
        method,
      });
    }
    const result = readProtoGeniReply(decoded, method);
    return result.code === ProtoGeniCode.BUSY ? 'busy' : result;
  }

  /** Calls until an answer that is not BUSY/503, at most 1 + retries times; non-zero codes throw. */
  async function call(method: string, params?: WireStruct): Promise<ProtoGeniResult> {
    for (let tries = 1; ; tries += 1) {
      const started = Date.now();
      const result = await attempt(method, params);
      if (result !== 'busy') {
        log.info({ method, code: result.code, ms: Date.now() - started }, 'cluster call answered');
        if (result.code !== ProtoGeniCode.SUCCESS) {
          throw new ClusterError(
            'CLUSTER_REFUSED',
            `${method} refused (code ${result.code}): ${result.output || 'no reason given'}`,
            {
              method,
              protogeniCode: result.code,
              output: result.output,
            },
          );
        }
        return result;
      }
      if (tries > options.retries) {
        throw new ClusterError('CLUSTER_BUSY', `${method}: the cluster was busy ${tries} times; giving up`, { method });
      }
      log.warn({ method, tries, retryInMs: options.retryDelayMs }, 'cluster busy, retrying');
      await sleep(options.retryDelayMs);
    }
  }

  return {
    async getVersion() {
      const { value } = await call('GetVersion');
      return wholeNumber(value) ?? 0;
    },
    async getServerDefaults() {
      const { value } = await call('GetServerDefaults', {});
      const struct = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
      const maxwaittime = wholeNumber(struct.maxwaittime);
      const policy = struct.policy;
      if (maxwaittime === null || (policy !== 'LIFO' && policy !== 'CLIENT')) {
        throw new ClusterError(
          'CLUSTER_BAD_REPLY',
          'GetServerDefaults: expected {maxwaittime: int, policy: LIFO|CLIENT}',
          { method: 'GetServerDefaults' },
        );
      }
      return { maxwaittime, policy };
    },
    async setSliceClientEndpoint(r) {
      await call('SetSliceClientEndpoint', {
        slice_urn: r.sliceUrn,
        url: r.url,
        credentials: r.credentials,
        policy: r.policy,
        defwaittime: wireInt(r.defwaittime),
      });
    },
    async removeSliceClientEndpoint(args) {
      await call('RemoveSliceClientEndpoint', { slice_urn: args.sliceUrn, credentials: args.credentials });
    },
  };
}
