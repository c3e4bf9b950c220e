import type { Prng } from '../helpers/prng.js';
import { array, scalar, struct, type WireCall, type WireTree } from './xmlrpc-tree.js';

export interface CallContext {
  prng: Prng;
  /** Ids of the nodes whose machines are still running. */
  liveNodes: readonly string[];
  maxNodesPerCall: number;
}

const METHODS = { GetVersion: 1, SetResourceValues: 3, NotifyDeletePending: 4, NotifyDeleteComplete: 2 } as const;

/** One entry naming `nodeId` that `method` accepts. */
export function validEntry(ctx: CallContext, method: keyof typeof METHODS, nodeId: string): WireTree {
  const { prng } = ctx;
  const members: Array<[string, WireTree]> = [['node_id', scalar(prng.pick(['untyped', 'string'] as const), nodeId)]];
  if (prng.chance(0.5)) members.push(['client_id', scalar('string', `node-${nodeId}`)]);
  if (method === 'NotifyDeletePending')
    members.push(['max_wait_time', scalar(prng.pick(['i4', 'int'] as const), String(prng.int(0, 3600)))]);
  if (method === 'SetResourceValues') members.push(['value', scalar('double', prng.next().toFixed(3))]);
  return struct(members);
}

/** A call the agent accepts: one of the four methods, naming one to three live nodes. */
export function validCall(ctx: CallContext, method = ctx.prng.weighted(METHODS)): WireCall {
  if (method === 'GetVersion') return { method, params: [] };
  const count = ctx.prng.int(1, 3);
  const ids = Array.from({ length: count }, () => ctx.prng.pick(ctx.liveNodes));
  return { method, params: [struct([['nodelist', array(ids.map((id) => validEntry(ctx, method, id)))]])] };
}

/** A nodelist call with more entries than `maxNodesPerCall` allows. */
export function oversizedNodelist(ctx: CallContext): WireCall {
  const count = ctx.maxNodesPerCall + ctx.prng.int(1, 50);
  const entries = Array.from({ length: count }, (_, i) => struct([['node_id', scalar('untyped', `x${i}`)]]));
  return { method: 'SetResourceValues', params: [struct([['nodelist', array(entries)]])] };
}

export interface HttpFraming {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  /** Omitted: the body's length. */
  contentLength?: number | null;
}

/** An HTTP/1.1 request head; `Connection: close` so every exchange ends with the server's close. */
export function httpHead(framing: HttpFraming, bodyLength: number): Buffer {
  const length = framing.contentLength === undefined ? bodyLength : framing.contentLength;
  const lines = [
    `${framing.method ?? 'POST'} ${framing.path} HTTP/1.1`,
    'Host: 127.0.0.1',
    'Content-Type: text/xml',
    ...(length === null ? [] : [`Content-Length: ${length}`]),
    'Connection: close',
    ...Object.entries(framing.headers ?? {}).map(([name, value]) => `${name}: ${value}`),
  ];
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}
