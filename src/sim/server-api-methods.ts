import type { Policy } from '../cluster/cluster-client.js';
import { wholeNumber } from '../cluster/protogeni-reply.js';
import { ProtoGeniCode, XmlRpcFaultCode } from '../protocol/codes.js';
import { type PerlData, protoGeniReply } from './perl-xml.js';

/** The server-side API version GetVersion reports. */
export const SIM_API_VERSION = 1;

/** A SetSliceClientEndpoint the simulator accepted. */
export interface SimRegistration {
  sliceUrn: string;
  url: string;
  credentials: string[];
  policy: Policy;
  defwaittime: number;
  at: number;
  /** CN of the client certificate the caller presented (HTTPS with client certificates only). */
  clientCertificate: string | null;
}

export interface ServerApiState {
  maxwaittime: number;
  policy: Policy;
  /** When set, other slices are answered SEARCHFAILED. */
  sliceUrn?: string;
  registrations: SimRegistration[];
  current: SimRegistration | null;
}

export type MethodOutcome = { reply: PerlData } | { fault: { code: number; message: string } };

const reply = (code: number, value: PerlData = 0, output = ''): MethodOutcome => ({
  reply: protoGeniReply(code, value, output),
});
const badArgs = (output: string) => reply(ProtoGeniCode.BADARGS, 0, output);

function struct(params: readonly unknown[]): Record<string, unknown> {
  const [first] = params;
  return typeof first === 'object' && first !== null && !Array.isArray(first) ? (first as Record<string, unknown>) : {};
}

const member = (args: Record<string, unknown>, name: string): unknown =>
  Object.hasOwn(args, name) ? args[name] : undefined;

/** Checks slice_urn and credentials; a problem as a reply, or null. */
function sliceProblem(state: ServerApiState, args: Record<string, unknown>): MethodOutcome | null {
  const sliceUrn = member(args, 'slice_urn');
  const credentials = member(args, 'credentials');
  if (typeof sliceUrn !== 'string' || sliceUrn === '') return badArgs('slice_urn: missing');
  if (
    !Array.isArray(credentials) ||
    credentials.length === 0 ||
    !credentials.every((c) => typeof c === 'string' && c !== '')
  ) {
    return badArgs('credentials: expected a list of credential documents');
  }
  if (state.sliceUrn !== undefined && sliceUrn !== state.sliceUrn)
    return reply(ProtoGeniCode.SEARCHFAILED, 0, `no such slice: ${sliceUrn}`);
  return null;
}

function setEndpoint(
  state: ServerApiState,
  args: Record<string, unknown>,
  clientCertificate: string | null,
  now: number,
): MethodOutcome {
  const problem = sliceProblem(state, args);
  if (problem) return problem;
  const url = member(args, 'url');
  const policy = member(args, 'policy') ?? state.policy;
  const defwaittime = wholeNumber(member(args, 'defwaittime'));
  if (typeof url !== 'string' || !/^https?:\/\/./.test(url)) return badArgs('url: expected an http(s) URL');
  if (policy !== 'LIFO' && policy !== 'CLIENT') return badArgs('policy: expected LIFO or CLIENT');
  if (defwaittime === null || defwaittime < 0) return badArgs('defwaittime: expected a whole number of seconds');
  if (defwaittime > state.maxwaittime) {
    return badArgs(`defwaittime ${defwaittime} is greater than maxwaittime ${state.maxwaittime}`);
  }
  const registration: SimRegistration = {
    sliceUrn: String(args.slice_urn),
    url,
    credentials: (args.credentials as string[]).slice(),
    policy,
    defwaittime,
    at: now,
    clientCertificate,
  };
  state.registrations.push(registration);
  state.current = registration;
  return reply(ProtoGeniCode.SUCCESS);
}

/** One call to the simulated server-side API (protocol.md §3). */
export function handleServerCall(
  state: ServerApiState,
  method: string,
  params: readonly unknown[],
  caller: { clientCertificate: string | null; now: number },
): MethodOutcome {
  const args = struct(params);
  switch (method) {
    case 'GetVersion':
      return reply(ProtoGeniCode.SUCCESS, SIM_API_VERSION);
    case 'GetServerDefaults':
      return reply(ProtoGeniCode.SUCCESS, { maxwaittime: state.maxwaittime, policy: state.policy });
    case 'SetSliceClientEndpoint':
      return setEndpoint(state, args, caller.clientCertificate, caller.now);
    case 'RemoveSliceClientEndpoint': {
      const problem = sliceProblem(state, args);
      if (problem) return problem;
      state.current = null;
      return reply(ProtoGeniCode.SUCCESS);
    }
    default:
      return { fault: { code: XmlRpcFaultCode.METHOD_NOT_FOUND, message: `unknown method ${method.slice(0, 64)}` } };
  }
}
