import { execFileSync } from 'node:child_process';
import { PYTHON } from '../helpers/python.js';
import { type PerlValue, perlMethodCall } from '../helpers/xmlrpc-perl-style.js';
import {
  NEGATIVE_WAITS,
  ONE_BAD_ENTRY,
  ONLY_BAD_ENTRIES,
  PYTHON_PER_ENTRY,
  TYPED_COUNTDOWN,
  UNCARRIED_COUNTDOWN,
} from './countdown-bodies.js';

/** The request bodies of test/protocol and test/endpoint, rebuilt with the helpers they use. */
export type Fixture = [name: string, body: string];

export const GET_VERSION = '<?xml version="1.0"?><methodCall><methodName>GetVersion</methodName><params/></methodCall>';
const call = (method: string, value: string): string =>
  `<methodCall><methodName>${method}</methodName><params><param><value>${value}</value></param></params></methodCall>`;
const nested = (depth: number, inner = ''): string =>
  `${'<value><array><data>'.repeat(depth)}${inner}${'</data></array></value>'.repeat(depth)}`;
const nodelistCall = (method: string, inner: string): string =>
  call(
    method,
    `<struct><member><name>nodelist</name><value><array><data>${inner}</data></array></value></member></struct>`,
  );

const thousandNodes = Array.from({ length: 1000 }, (_, i) => ({
  node_id: `pc${i}`,
  client_id: `node-${i}`,
  component_urn: `urn:publicid:IDN+utah.cloudlab.us+node+pc${i}`,
  max_wait_time: 300,
}));

const PERL_CALLS: Array<[string, PerlValue[]]> = [
  ['GetVersion', []],
  ['NotifyDeletePending', [{ nodelist: [{ node_id: 'pc101', max_wait_time: { $int: 60 }, value: 1 }] }]],
  ['GetVersion', [JSON.parse('{"__proto__": {"polluted": "yes"}}') as PerlValue]],
  ['NotifyDeletePending', [{ nodelist: thousandNodes }]],
  ['NotFound', [{}]],
  ['__proto__', [{}]],
  ['NotifyDeletePending', [{ nodelist: [{ node_id: 'pc1', max_wait_time: 'soon' }] }]],
  ['SetResourceValues', [{ nodelist: [{ node_id: 'pc1', value: 2.5 }] }]],
  ['SetResourceValues', [{ nodelist: 'pc1' }]],
  ['SetResourceValues', [{ nodelist: ['pc1'] }]],
  ['NotifyDeleteComplete', [{ nodes: [] }]],
  ['SetResourceValues', [{ nodelist: ['a', 'b', 'c', 'd'].map((id) => ({ node_id: id })) }]],
  ['SetResourceValues', [{ nodelist: [{ node_id: 'pc1' }] }]],
  [
    'SetResourceValues',
    [
      {
        nodelist: [
          { node_id: 'pc101', value: 1, client_id: 'node-1' },
          { node_id: 4242, value: 0.5 },
          { node_id: 'pc7' },
        ],
      },
    ],
  ],
  [
    'NotifyDeletePending',
    [
      {
        nodelist: [
          { node_id: 'pc101', client_id: 'node-1', max_wait_time: { $int: 180 } },
          { node_id: 4242, client_id: 'node-2', max_wait_time: { $int: 180 } },
        ],
      },
    ],
  ],
  ['NotifyDeleteComplete', [{ nodelist: [{ node_id: 'pc101', client_id: 'node-1', max_wait_time: 0 }] }]],
  ['RenewSlice', [{}]],
  ['SetResourceValues', [{ nodelist: [{ node_id: 'pc1', value: 1 }] }]],
  ['NotifyDeleteComplete', [{ nodelist: [{ node_id: 'pc1' }] }]],
  [
    'NotifyDeletePending',
    [
      {
        nodelist: [
          { node_id: 'pc1', max_wait_time: { $int: 120 } },
          { node_id: 'pc2', max_wait_time: 120 },
          { node_id: 'pc3', max_wait_time: '60' },
        ],
      },
    ],
  ],
  [
    'NotifyDeletePending',
    [
      {
        nodelist: ['pc1', 'pc2', 'pc3'].map((id, i) => ({
          node_id: id,
          client_id: `node${i + 1}`,
          max_wait_time: 600,
        })),
      },
    ],
  ],
  ['NotifyDeletePending', [{ nodelist: ['pc1', 'pc2', 'pc3'].map((id) => ({ node_id: id, max_wait_time: 600 })) }]],
  ['NotifyDeletePending', [{ nodelist: [{ node_id: 'pc1', max_wait_time: 60 }] }]],
  ['SetResourceValues', [{ nodelist: [{ node_id: 'pc1', client_id: 'node1', value: 0.5 }] }]],
  ['NotifyDeletePending', [{ nodelist: NEGATIVE_WAITS }]],
  ['NotifyDeletePending', [{ nodelist: ONE_BAD_ENTRY }]],
  ['NotifyDeletePending', [{ nodelist: ONLY_BAD_ENTRIES }]],
  ['NotifyDeleteComplete', [{ nodelist: [{ node_id: 'pc1', max_wait_time: -5 }] }]],
];

/** What the Python callers of test/endpoint send, as [method, params]. */
const PYTHON_CALLS: Array<[string, unknown[]]> = [
  ['GetVersion', []],
  ['GetVersion', [{ credentials: [] }]],
  [
    'SetResourceValues',
    [
      {
        nodelist: [
          { node_id: 'pc101', value: 0.25, client_id: 'node-1', component_urn: 'urn:publicid:IDN+x+node+pc101' },
          { node_id: 'pc102', value: 1.0 },
          { node_id: 'pc103' },
        ],
      },
    ],
  ],
  [
    'NotifyDeletePending',
    [
      {
        nodelist: [
          { node_id: 'pc101', client_id: 'node-1', max_wait_time: 240 },
          { node_id: 'pc103', client_id: 'node-3', max_wait_time: 0 },
        ],
      },
    ],
  ],
  ['NotifyDeleteComplete', [{ nodelist: [{ node_id: 'pc101', client_id: 'node-1', max_wait_time: 0 }] }]],
  ['constructor', [{}]],
  ['toString', []],
  ['NotifyDeletePending', [{ nodelist: [{ node_id: 'pc101', max_wait_time: 'soon' }] }]],
  ['SetResourceValues', [{ nodelist: [{ node_id: 'pc1' }, { node_id: 'pc2' }] }]],
  [
    'NotifyDeletePending',
    [{ nodelist: [{ node_id: '4242', client_id: 'node-2', max_wait_time: 180 }], floats: [1.0, 0.5] }],
  ],
  ['SetResourceValues', [{ nodelist: [{ node_id: 'pc101', value: 2.5 }] }]],
  ['NotifyDeletePending', [{ nodelist: PYTHON_PER_ENTRY }]],
];

/** Bodies the codec answers with fault -32700 (xmlrpc-codec.test.ts asserts it; here both decoders must agree). */
export const MALFORMED: Fixture[] = [
  ['an empty body', ''],
  ['whitespace only', ' \n '],
  ['text that is not XML', 'hello'],
  ['a truncated document', GET_VERSION.slice(0, -20)],
  ['a document cut inside the closing tag', GET_VERSION.slice(0, -1)],
  ['mismatched tags', '<methodCall><methodName>GetVersion</methodCall>'],
  ['two root elements', `${GET_VERSION}${GET_VERSION}`],
  ['an undefined entity', '<methodCall><methodName>A&foo;</methodName></methodCall>'],
  ['an HTML-only entity', '<methodCall><methodName>A&nbsp;</methodName></methodCall>'],
  ['a DOCTYPE', `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]>${GET_VERSION.slice(21)}`],
  ['an ENTITY declaration alone', `<!ENTITY x "y">${GET_VERSION}`],
];

/** Well-formed bodies that are not XML-RPC calls: fault -32600. */
export const NOT_XML_RPC: Fixture[] = [
  ['a call without methodName', '<methodCall><params/></methodCall>'],
  ['an unknown XML-RPC tag', call('A', '<foo/>')],
  ['an <int> that is not a number', call('A', '<int>x</int>')],
  ['a struct member without a name', call('A', '<struct><value>1</value></struct>')],
];

const LITERALS: Fixture[] = [
  ['GetVersion with empty params', GET_VERSION],
  ...MALFORMED,
  ...NOT_XML_RPC,
  ['a body that is not XML', 'nodelist=pc1'],
  [
    'a billion-laughs DOCTYPE',
    `<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n]>\n<methodCall><methodName>&lol;</methodName><params/></methodCall>`,
  ],
  [
    '100,000 nested arrays',
    `<methodCall><methodName>A</methodName><params><param>${nested(100_000)}</param></params></methodCall>`,
  ],
  ['100,000 nested arrays in a nodelist', nodelistCall('SetResourceValues', nested(100_000))],
  [
    'a __proto__ member supplying max_wait_time',
    nodelistCall(
      'NotifyDeletePending',
      '<value><struct><member><name>node_id</name><value>pc1</value></member><member><name>__proto__</name><value><struct><member><name>max_wait_time</name><value><i4>5</i4></value></member></struct></value></member></struct></value>',
    ),
  ],
  ['a countdown whose members come in every type', TYPED_COUNTDOWN],
  ['a countdown with members no reply carries', UNCARRIED_COUNTDOWN],
  [
    'a <i8> max_wait_time',
    perlMethodCall('NotifyDeletePending', [{ nodelist: [{ node_id: 'pc101', max_wait_time: { $int: 60 } }] }]).replace(
      '<int>60</int>',
      '<i8>60</i8>',
    ),
  ],
];

/** Every fixture body; the Python ones are written by Python's own xmlrpc.client.dumps. */
export function callFixtures(): Fixture[] {
  const perl = PERL_CALLS.map(
    ([method, params], i): Fixture => [`Perl-style ${method} #${i}`, perlMethodCall(method, params)],
  );
  return [...LITERALS, ...perl, ...pythonDumps(PYTHON_CALLS)];
}

/** `{$double: n}` is the float n, as in xmlrpc-call.py: JSON alone turns 2.0 into 2. */
const DUMPS = [
  'import json,sys,xmlrpc.client as x',
  'def u(v):',
  '  if isinstance(v, dict): return float(v["$double"]) if list(v) == ["$double"] else {k: u(i) for k, i in v.items()}',
  '  return [u(i) for i in v] if isinstance(v, list) else v',
  'print(json.dumps([x.dumps(tuple(u(p)), m) for m, p in json.load(sys.stdin)]))',
].join('\n');

function pythonDumps(calls: Array<[string, unknown[]]>): Fixture[] {
  const bodies = JSON.parse(
    execFileSync(PYTHON, ['-c', DUMPS], { input: JSON.stringify(calls) }).toString(),
  ) as string[];
  return bodies.map((body, i): Fixture => [`Python ${calls[i]?.[0]} #${i}`, body]);
}
