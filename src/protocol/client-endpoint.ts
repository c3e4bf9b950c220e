import type { Logger } from 'pino';
import type { CallContext, ClientEndpointHandlers, NodeEntry } from './client-methods.js';
import { type Fault, ProtocolError, ProtoGeniCode, ServerUnavailableError, XmlRpcFaultCode } from './codes.js';
import { countdownReply } from './countdown-reply.js';
import { errorReply, type ProtoGeniReply, successReply, wireInt } from './envelope.js';
import { decodeCountdown, decodeNodelist, type LenientParamsOptions, type NodelistMethod } from './lenient-params.js';
import { isStruct } from './params-shape.js';

/** The client-side API version, sent in GetVersion's `output`. */
export const CLIENT_API_VERSION = '1.0';
export const DEFAULT_HANDLER_TIMEOUT_MS = 10_000;
/** How many released node_ids a countdown reply's log line names; `count` says how many in all. */
const RELEASED_NAMED = 50;
/** The `output` of the SERVERERROR reply sent when a handler takes longer than that. */
export const HANDLER_TIMEOUT_OUTPUT = 'the agent did not answer in time';

export type CallOutcome = ProtoGeniReply | Fault;

export interface ClientEndpointOptions extends LenientParamsOptions {
  handlers: ClientEndpointHandlers;
  logger: Logger;
  /** A handler that has not settled by then is answered with SERVERERROR. */
  handlerTimeoutMs?: number;
}

export interface ClientEndpoint {
  /** Never rejects: unknown methods are faults, everything else a `{code, value, output}` reply. */
  handleCall(methodName: string, params: readonly unknown[]): Promise<CallOutcome>;
}

type MethodImplementation = (params: readonly unknown[]) => Promise<ProtoGeniReply>;

class HandlerTimeoutError extends Error {
  override readonly name = 'HandlerTimeoutError';
}

export function createClientEndpoint(options: ClientEndpointOptions): ClientEndpoint {
  const { handlers, logger, handlerTimeoutMs = DEFAULT_HANDLER_TIMEOUT_MS } = options;
  const decode = (method: Exclude<NodelistMethod, 'NotifyDeletePending'>, params: readonly unknown[]): NodeEntry[] =>
    decodeNodelist(method, params, options);
  const settleInTime = <T>(work: (call: CallContext) => Promise<T>): Promise<T> =>
    withinDeadline(work, handlerTimeoutMs);

  // A Map, not an object literal: `constructor`, `__proto__` or `toString` must not name a method.
  const methods = new Map<string, MethodImplementation>([
    ['GetVersion', async () => successReply(wireInt(0), CLIENT_API_VERSION)],
    [
      'SetResourceValues',
      async (params) => {
        const nodes = decode('SetResourceValues', params);
        await settleInTime((call) => handlers.setResourceValues(nodes, call));
        return successReply();
      },
    ],
    [
      'NotifyDeletePending',
      async (params) => {
        // Entry by entry: an entry that cannot be read is not applied, and is named in the reply.
        const countdown = decodeCountdown(params, options);
        const released = await settleInTime((call) => handlers.notifyDeletePending(countdown.nodes, call));
        // What the cluster may take now, as this reply tells it (the first ones by name).
        if (released.size > 0)
          logger.info(
            { released: [...released].slice(0, RELEASED_NAMED), count: released.size },
            'countdown reply releases',
          );
        return countdownReply(countdown, released);
      },
    ],
    [
      'NotifyDeleteComplete',
      async (params) => {
        const nodes = decode('NotifyDeleteComplete', params);
        await settleInTime((call) => handlers.notifyDeleteComplete(nodes, call));
        return successReply();
      },
    ],
  ]);

  return {
    async handleCall(methodName, params) {
      const method = methods.get(methodName);
      if (method === undefined) {
        return {
          faultCode: XmlRpcFaultCode.METHOD_NOT_FOUND,
          faultString: `unknown method ${JSON.stringify(methodName.slice(0, 64))}`,
        };
      }
      try {
        return await method(params);
      } catch (error) {
        if (error instanceof ProtocolError) return errorReply(error.code, error.message);
        if (error instanceof ServerUnavailableError) {
          logger.debug({ method: methodName, reason: error.message }, 'client endpoint cannot answer now');
          return errorReply(ProtoGeniCode.SERVERERROR, error.message);
        }
        if (error instanceof HandlerTimeoutError) {
          logger.warn({ method: methodName, timeoutMs: handlerTimeoutMs }, 'client endpoint handler timed out');
          return errorReply(ProtoGeniCode.SERVERERROR, HANDLER_TIMEOUT_OUTPUT);
        }
        logger.error({ err: error, method: methodName }, 'client endpoint handler failed');
        return errorReply(ProtoGeniCode.SERVERERROR, 'internal error in the agent');
      }
    },
  };
}

/** The handler's result, or HandlerTimeoutError after `ms`; the handler's signal then tells it it was too late. */
async function withinDeadline<T>(work: (call: CallContext) => Promise<T>, ms: number): Promise<T> {
  const late = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      late.abort();
      reject(new HandlerTimeoutError(`no answer within ${ms} ms`));
    }, ms);
  });
  try {
    // race() subscribes to `work`, so a rejection after the deadline is not unhandled.
    return await Promise.race([work({ signal: late.signal }), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** How many nodes a decoded call carries, for the log line; 0 when it has no nodelist array. */
export function nodelistLength(params: readonly unknown[]): number {
  const [first] = params;
  if (!isStruct(first) || !Object.hasOwn(first, 'nodelist')) return 0;
  const nodelist = first.nodelist;
  return Array.isArray(nodelist) ? nodelist.length : 0;
}
