import { decodeMethodResponse, XmlRpcFaultReply } from '../cluster/cluster-codec.js';
import { ClusterError } from '../cluster/cluster-error.js';
import { readProtoGeniReply } from '../cluster/protogeni-reply.js';
import { type LwpPostOptions, lwpPost } from './lwp-post.js';
import { type PerlData, perlCall } from './perl-xml.js';

/** How one call from the simulated cluster to the agent went. */
export interface ClientCallResult {
  method: string;
  /** The ProtoGENI code of the reply; null when no reply could be read. */
  code: number | null;
  value: unknown;
  output: string;
  ms: number;
  /** Why there is no readable reply: timeout, reply-dropped, connection, http <status>, fault, bad-reply. */
  failure?: string;
}

/** Calls a client-side method with one struct argument, as the cluster does. Never rejects. */
export async function callClient(
  url: URL,
  method: string,
  params: PerlData,
  options: LwpPostOptions,
): Promise<ClientCallResult> {
  const none = { method, code: null, value: null, output: '' };
  const posted = await lwpPost(url, perlCall(method, [params]), options);
  if (posted.kind === 'failed') return { ...none, ms: posted.ms, failure: `${posted.reason}: ${posted.detail}` };
  if (posted.status !== 200) return { ...none, ms: posted.ms, failure: `http ${posted.status}` };
  try {
    const reply = readProtoGeniReply(await decodeMethodResponse(posted.body), method);
    return { method, ...reply, ms: posted.ms };
  } catch (error) {
    if (error instanceof XmlRpcFaultReply)
      return { ...none, ms: posted.ms, failure: `fault ${error.faultCode}: ${error.faultString}` };
    const detail = error instanceof ClusterError || error instanceof Error ? error.message : String(error);
    return { ...none, ms: posted.ms, failure: `bad-reply: ${detail}` };
  }
}
