import { type CallContext, httpHead, oversizedNodelist, validCall, validEntry } from './valid-calls.js';
import {
  array,
  encodeCall,
  encodeTree,
  type Scalar,
  scalar,
  struct,
  valueSlots,
  type WireCall,
  type WireTree,
} from './xmlrpc-tree.js';

/** How the bytes go out: all at once; then nothing more (slowloris); or a body that never ends. */
export type Delivery = 'whole' | 'stall' | 'flood';

export interface FuzzRequest {
  mutation: Mutation;
  head: Buffer;
  body: Buffer;
  delivery: Delivery;
  /** Answer classes allowed (see answer-class.ts); null: any answer. */
  expect: readonly string[] | null;
  /** Requests answered only when a timeout passes run beside the main sequence. */
  side: boolean;
  /** Nodes named only by countdown entries that cannot be read: whatever the answer, they must not change. */
  untouched?: readonly string[];
}

export interface FuzzContext extends CallContext {
  /** `{path}/{token}`. */
  tokenPath: string;
  maxBodyBytes: number;
}

export const MUTATION_WEIGHTS = {
  valid: 5,
  truncate: 10,
  wrongType: 11,
  hugeNumber: 9,
  nan: 5,
  deepNesting: 5,
  duplicateMembers: 8,
  unknownMethod: 7,
  protoKeys: 5,
  doctype: 3,
  binaryGarbage: 9,
  httpGarbage: 4,
  wrongMethod: 3,
  authFailure: 7,
  oversized: 4,
  manyNodes: 2,
  slowSender: 0.6,
  badCountdownEntry: 6,
} as const;
export type Mutation = keyof typeof MUTATION_WEIGHTS;

const SCALARS: readonly Scalar[] = [
  'int',
  'i4',
  'i8',
  'double',
  'string',
  'untyped',
  'boolean',
  'base64',
  'dateTime.iso8601',
  'nil',
];
const ODD_TEXTS = ['', '1', '-7', 'abc', '0.5', 'true', '20260101T00:00:00', 'AAAA', 'é中', ' 42 ', '<', '&amp;'];
const HUGE = [
  '99999999999999999999999999',
  '-1',
  '-2147483649',
  '2147483648',
  '9223372036854775807',
  '18446744073709551616',
  '1e309',
  '-1e309',
  '1e-400',
  '0x7fffffff',
  '1_000',
  '9'.repeat(400),
  '0000000000000000000000001',
  '+5',
];
const NOT_A_NUMBER = ['NaN', '-NaN', 'Infinity', '-Infinity', 'inf', 'nan', '1e999', '-0'];
/** Flaws that make a countdown entry unreadable while its node_id still names a node. */
const ENTRY_FLAWS: ReadonlyArray<Array<[string, WireTree]>> = [
  [['max_wait_time', scalar('untyped', 'soon')]],
  [['max_wait_time', scalar('double', '1.5')]],
  [['max_wait_time', scalar('int', '99999999999')]],
  [['max_wait_time', scalar('nil', '')]],
  [],
  [
    ['max_wait_time', scalar('i4', '60')],
    ['client_id', array([])],
  ],
  [
    ['max_wait_time', scalar('i4', '60')],
    ['component_urn', scalar('int', '5')],
  ],
];
/** Members the agent does not know, echoed back as they came or left out of the echo. */
const UNKNOWN_MEMBERS: readonly WireTree[] = [
  scalar('double', '2.0'),
  scalar('string', 'é中'),
  scalar('nil', ''),
  scalar('base64', 'AAAA'),
  scalar('dateTime.iso8601', '20260101T00:00:00'),
  struct([['x', scalar('i4', '1')]]),
];
const METHOD_NAMES = [
  'NotFound',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'getVersion',
  'GetVersion ',
  'system.listMethods',
  'x'.repeat(5000),
  'Notify\u0000DeletePending',
  '中文',
];
const PROTO_MEMBERS = ['__proto__', 'constructor', 'prototype', '__defineGetter__', 'hasOwnProperty', 'toString'];
const DOCTYPES = [
  '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>',
  '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
  '<!doctype methodCall>',
  '<!ENTITY x "y">',
];

const http = (
  ctx: FuzzContext,
  body: Buffer | string,
  extra: Partial<FuzzRequest> & { mutation: Mutation },
): FuzzRequest => {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  return {
    head: httpHead({ path: ctx.tokenPath }, bytes.length),
    body: bytes,
    delivery: 'whole',
    expect: null,
    side: false,
    ...extra,
  };
};

function mutateSlot(
  ctx: FuzzContext,
  call: WireCall,
  make: (old: WireTree) => WireTree,
  prefer?: (t: WireTree) => boolean,
): WireCall {
  const slots = valueSlots(call);
  const preferred = prefer === undefined ? [] : slots.filter((slot) => prefer(slot.value));
  const pool = preferred.length > 0 ? preferred : slots;
  if (pool.length === 0) call.params.push(make(scalar('string', 'x')));
  else {
    const slot = ctx.prng.pick(pool);
    slot.replace(make(slot.value));
  }
  return call;
}

const isNumber = (t: WireTree): boolean => t.kind === 'scalar' && ['int', 'i4', 'double'].includes(t.type);
const isStruct = (t: WireTree): boolean => t.kind === 'struct';

/** Wraps a value in 33 to 200 levels of arrays and structs, alternating; one time in twenty, up to 2,000. */
function nest(ctx: FuzzContext, value: WireTree): WireTree {
  const opens: string[] = [];
  const closes: string[] = [];
  for (let depth = ctx.prng.chance(0.05) ? ctx.prng.int(1000, 2000) : ctx.prng.int(33, 200); depth > 0; depth -= 1) {
    opens.push(depth % 2 ? '<value><array><data>' : '<value><struct><member><name>n</name>');
    closes.push(depth % 2 ? '</data></array></value>' : '</member></struct></value>');
  }
  return { kind: 'raw', xml: `${opens.join('')}${encodeTree(value)}${closes.reverse().join('')}` };
}

const MUTATIONS: Record<Mutation, (ctx: FuzzContext) => FuzzRequest> = {
  valid: (ctx) => http(ctx, encodeCall(validCall(ctx)), { mutation: 'valid', expect: ['reply-0'] }),
  truncate: (ctx) => {
    const text = encodeCall(validCall(ctx));
    return http(ctx, text.slice(0, ctx.prng.int(0, text.length - 1)), { mutation: 'truncate' });
  },
  wrongType: (ctx) => {
    const { prng } = ctx;
    const call = mutateSlot(ctx, validCall(ctx), (old) =>
      prng.pick([
        () => scalar(prng.pick(SCALARS), prng.pick(ODD_TEXTS)),
        () => array(prng.chance(0.5) ? [] : [old]),
        () => struct(prng.chance(0.5) ? [] : [['x', old]]),
      ])(),
    );
    return http(ctx, encodeCall(call), { mutation: 'wrongType' });
  },
  hugeNumber: (ctx) => {
    const call = mutateSlot(
      ctx,
      validCall(ctx),
      () => scalar(ctx.prng.pick(['int', 'i4', 'i8', 'double', 'untyped', 'string'] as const), ctx.prng.pick(HUGE)),
      isNumber,
    );
    return http(ctx, encodeCall(call), { mutation: 'hugeNumber' });
  },
  nan: (ctx) => {
    const call = mutateSlot(
      ctx,
      validCall(ctx),
      () => scalar(ctx.prng.pick(['double', 'untyped'] as const), ctx.prng.pick(NOT_A_NUMBER)),
      isNumber,
    );
    return http(ctx, encodeCall(call), { mutation: 'nan' });
  },
  deepNesting: (ctx) =>
    http(ctx, encodeCall(mutateSlot(ctx, validCall(ctx), (old) => nest(ctx, old))), { mutation: 'deepNesting' }),
  duplicateMembers: (ctx) => {
    const { prng } = ctx;
    const call = validCall(
      ctx,
      prng.pick(['SetResourceValues', 'NotifyDeletePending', 'NotifyDeleteComplete'] as const),
    );
    const structs = valueSlots(call).filter((slot) => isStruct(slot.value));
    const target = prng.pick(structs).value as Extract<WireTree, { kind: 'struct' }>;
    const [name, value] = prng.pick(target.members);
    target.members.splice(prng.int(0, target.members.length), 0, [
      name,
      prng.chance(0.5) ? value : scalar('i4', String(prng.int(0, 99))),
    ]);
    let text = encodeCall(call);
    if (prng.chance(0.3)) text = text.replace(/<methodName>.*?<\/methodName>/, (m) => m + m);
    if (prng.chance(0.2)) text = text.replace(/<params>.*<\/params>/s, (m) => m + m);
    return http(ctx, text, { mutation: 'duplicateMembers' });
  },
  unknownMethod: (ctx) => {
    const call = validCall(ctx);
    call.method = ctx.prng.pick(METHOD_NAMES);
    return http(ctx, encodeCall(call), { mutation: 'unknownMethod' });
  },
  protoKeys: (ctx) => {
    const { prng } = ctx;
    const call = validCall(
      ctx,
      prng.pick(['SetResourceValues', 'NotifyDeletePending', 'NotifyDeleteComplete'] as const),
    );
    const target = prng.pick(valueSlots(call).filter((slot) => isStruct(slot.value))).value as Extract<
      WireTree,
      { kind: 'struct' }
    >;
    const poison = struct([
      ['max_wait_time', scalar('i4', '5')],
      ['node_id', scalar('string', 'pc1')],
      ['polluted', scalar('boolean', '1')],
    ]);
    target.members.splice(prng.int(0, target.members.length), 0, [
      prng.pick(PROTO_MEMBERS),
      prng.chance(0.7) ? poison : scalar('string', 'x'),
    ]);
    return http(ctx, encodeCall(call), { mutation: 'protoKeys' });
  },
  doctype: (ctx) => {
    const text = encodeCall(validCall(ctx));
    const cut = text.indexOf('<methodCall>');
    return http(ctx, text.slice(0, cut) + ctx.prng.pick(DOCTYPES) + text.slice(cut), { mutation: 'doctype' });
  },
  binaryGarbage: (ctx) => {
    const { prng } = ctx;
    const valid = Buffer.from(encodeCall(validCall(ctx)), 'utf8');
    const at = prng.int(0, valid.length);
    const body = prng.pick([
      () => prng.bytes(prng.int(0, 4096)),
      () => Buffer.concat([valid.subarray(0, at), prng.bytes(prng.int(1, 64)), valid.subarray(at)]),
      () => Buffer.concat([valid.subarray(0, at), Buffer.from([0xff, 0xfe, 0xc0, 0x80, 0x00]), valid.subarray(at)]),
    ])();
    return http(ctx, body, { mutation: 'binaryGarbage' });
  },
  httpGarbage: (ctx) => {
    const { prng } = ctx;
    const body = Buffer.from(encodeCall(validCall(ctx)), 'utf8');
    const heads = [
      () => Buffer.concat([prng.bytes(prng.int(1, 512)), Buffer.from('\r\n\r\n')]),
      () => httpHead({ path: ctx.tokenPath, contentLength: null, headers: { 'Content-Length': 'abc' } }, 0),
      () => httpHead({ path: ctx.tokenPath, headers: { 'Content-Length': String(body.length + 1) } }, body.length),
      () => httpHead({ path: ctx.tokenPath, headers: { 'Transfer-Encoding': 'chunked' } }, body.length),
      () => httpHead({ path: ctx.tokenPath, headers: { 'X-Pad': 'a'.repeat(prng.int(17_000, 70_000)) } }, body.length),
      () => Buffer.from(`POST ${ctx.tokenPath} HTTP/9.9\r\nContent-Length: ${body.length}\r\n\r\n`),
      () => httpHead({ path: ctx.tokenPath, contentLength: -1 }, 0),
    ];
    return {
      mutation: 'httpGarbage',
      head: prng.pick(heads)(),
      body,
      delivery: 'whole',
      expect: ['400', '403', '408', '413', '431', '505'],
      side: true,
    };
  },
  wrongMethod: (ctx) => {
    const body = Buffer.from(encodeCall(validCall(ctx)), 'utf8');
    const method = ctx.prng.pick(['GET', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'HEAD']);
    return {
      ...http(ctx, body, { mutation: 'wrongMethod', expect: ['405'] }),
      head: httpHead({ method, path: ctx.tokenPath }, body.length),
    };
  },
  authFailure: (ctx) => {
    const { prng } = ctx;
    const token = ctx.tokenPath.slice(ctx.tokenPath.lastIndexOf('/') + 1);
    const base = ctx.tokenPath.slice(0, ctx.tokenPath.lastIndexOf('/'));
    const path = prng.pick([
      base,
      `${base}/`,
      `${base}/${token.slice(0, prng.int(0, token.length - 1))}`,
      `${ctx.tokenPath}${prng.pick(['x', '/', '%00', '.'])}`,
      `${base}/${prng.bytes(32).toString('base64url')}`,
      '/',
      '/RPC2',
      `/${token}`,
      `${base.toUpperCase()}/${token}`,
      `/${base}/${token}`,
      `http://127.0.0.1${base}/${token.slice(1)}`,
      '*',
    ]);
    const body = Buffer.from(encodeCall(validCall(ctx)), 'utf8');
    return { ...http(ctx, body, { mutation: 'authFailure', expect: ['403'] }), head: httpHead({ path }, body.length) };
  },
  oversized: (ctx) => {
    const { prng } = ctx;
    const over = ctx.maxBodyBytes + prng.int(1, 64 * 1024);
    return prng.pick([
      () => ({
        ...http(ctx, '', { mutation: 'oversized', expect: ['413'] }),
        head: httpHead({ path: ctx.tokenPath, contentLength: ctx.maxBodyBytes + prng.int(1, 1e9) }, 0),
      }),
      () => http(ctx, encodeCall(validCall(ctx)).padEnd(over, ' '), { mutation: 'oversized', expect: ['413'] }),
      (): FuzzRequest => ({
        mutation: 'oversized',
        head: httpHead({ path: ctx.tokenPath, contentLength: null, headers: { 'Transfer-Encoding': 'chunked' } }, 0),
        body: Buffer.alloc(0),
        delivery: 'flood',
        expect: ['413'],
        side: true,
      }),
    ])();
  },
  manyNodes: (ctx) => http(ctx, encodeCall(oversizedNodelist(ctx)), { mutation: 'manyNodes', expect: ['reply-6'] }),
  badCountdownEntry: (ctx) => {
    // One entry the agent cannot read, for a node no other entry names: answered 0, that node untouched.
    const { prng } = ctx;
    const victim = prng.pick(ctx.liveNodes);
    const others = ctx.liveNodes.filter((id) => id !== victim);
    const entries = Array.from({ length: others.length === 0 ? 0 : prng.int(0, 2) }, () =>
      validEntry(ctx, 'NotifyDeletePending', prng.pick(others)),
    );
    const members: Array<[string, WireTree]> = [['node_id', scalar('untyped', victim)], ...prng.pick(ENTRY_FLAWS)];
    if (prng.chance(0.5)) members.push(['note', prng.pick(UNKNOWN_MEMBERS)]);
    entries.splice(prng.int(0, entries.length), 0, struct(members));
    const call: WireCall = { method: 'NotifyDeletePending', params: [struct([['nodelist', array(entries)]])] };
    return http(ctx, encodeCall(call), { mutation: 'badCountdownEntry', expect: ['reply-0'], untouched: [victim] });
  },
  slowSender: (ctx) => {
    const { prng } = ctx;
    const body = Buffer.from(encodeCall(validCall(ctx)), 'utf8');
    const head = httpHead({ path: ctx.tokenPath }, body.length);
    const stalled = (h: Buffer, b: Buffer, expect: string[]): FuzzRequest => ({
      mutation: 'slowSender',
      head: h,
      body: b,
      delivery: 'stall',
      expect,
      side: true,
    });
    return prng.pick([
      () => stalled(head.subarray(0, prng.int(1, head.length - 3)), Buffer.alloc(0), ['408']),
      () => stalled(head, body.subarray(0, prng.int(0, body.length - 1)), ['408']),
      () =>
        stalled(
          httpHead({ path: ctx.tokenPath.slice(0, ctx.tokenPath.lastIndexOf('/')) }, body.length),
          body.subarray(0, 10),
          ['403'],
        ),
    ])();
  },
};

export function generateRequest(ctx: FuzzContext): FuzzRequest {
  return MUTATIONS[ctx.prng.weighted(MUTATION_WEIGHTS)](ctx);
}
