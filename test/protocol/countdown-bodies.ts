import type { PerlValue } from '../helpers/xmlrpc-perl-style.js';

/** Countdown calls of countdown-reply.test.ts, also decoded and answered by the differential test. */

export const member = (name: string, value: string): string =>
  `<member><name>${name}</name><value>${value}</value></member>`;
export const struct = (...members: string[]): string => `<struct>${members.join('')}</struct>`;

/** A NotifyDeletePending call; each entry is the XML inside its `<value>`. */
export const countdownXml = (...entries: string[]): string =>
  `<?xml version="1.0"?><methodCall><methodName>NotifyDeletePending</methodName><params><param><value>${struct(
    member('nodelist', `<array><data>${entries.map((entry) => `<value>${entry}</value>`).join('')}</data></array>`),
  )}</value></param></params></methodCall>`;

/** Members of every type as sent, and as the echo must write each back: [name, sent, echoed]. */
export const TYPED_MEMBERS = [
  ['node_id', 'pc1', '<string>pc1</string>'],
  ['client_id', '<string>node-1</string>', '<string>node-1</string>'],
  ['max_wait_time', '<i4>240</i4>', '<int>240</int>'],
  ['weight', '<double>2.0</double>', '<double>2.0</double>'],
  ['share', '<double>0.5</double>', '<double>0.5</double>'],
  ['count', '<int>7</int>', '<int>7</int>'],
  ['flag', '<boolean>1</boolean>', '<boolean>1</boolean>'],
  ['serial', '<i8>9007199254740993</i8>', '<string>9007199254740993</string>'],
  ['empty', '<string></string>', '<string/>'],
  [
    'tags',
    '<array><data><value>a</value><value><double>1.0</double></value><value><i4>2</i4></value></data></array>',
    '<array><data><value><string>a</string></value><value><double>1.0</double></value><value><int>2</int></value></data></array>',
  ],
  [
    'meta',
    struct(member('zone', 'east'), member('rank', '<double>3.0</double>')),
    struct(member('zone', '<string>east</string>'), member('rank', '<double>3.0</double>')),
  ],
  ['__proto__', struct(member('polluted', '<boolean>1</boolean>')), struct(member('polluted', '<boolean>1</boolean>'))],
] as const;

/** TYPED_MEMBERS for pc1, then node 4242 as `<i4>` with a member sent twice, first as a double. */
export const TYPED_COUNTDOWN = countdownXml(
  struct(...TYPED_MEMBERS.map(([name, sent]) => member(name, sent))),
  struct(
    member('node_id', '<i4>4242</i4>'),
    member('max_wait_time', '<int>60</int>'),
    member('dup', '<double>2.0</double>'),
    member('dup', '<int>2</int>'),
  ),
);

/** Two read entries with members no reply can carry: nil, base64, dateTime, an infinite double. */
export const UNCARRIED_COUNTDOWN = countdownXml(
  struct(
    member('node_id', 'pc1'),
    member('max_wait_time', '<i4>30</i4>'),
    member('nothing', '<nil/>'),
    member('blob', '<base64>AAEC</base64>'),
    member('note', 'kept'),
  ),
  struct(
    member('node_id', 'pc2'),
    member('when', '<dateTime.iso8601>20260101T00:00:00</dateTime.iso8601>'),
    member('max_wait_time', '<i4>30</i4>'),
    member('huge', '<double>1e999</double>'),
  ),
);

/** Negative waits (typed and as text) beside one the cluster can still wait. */
export const NEGATIVE_WAITS: PerlValue[] = [
  { node_id: 'pc1', max_wait_time: -30 },
  { node_id: 'pc2', max_wait_time: 600 },
  { node_id: 'pc3', max_wait_time: '-1' },
];

/** A bad entry between two good ones. */
export const ONE_BAD_ENTRY: PerlValue[] = [
  { node_id: 'pc1', client_id: 'node-1', max_wait_time: 240 },
  { node_id: 'pc2', client_id: 'node-2', max_wait_time: 'soon', note: 'from the cluster' },
  { node_id: 'pc3', client_id: 'node-3', max_wait_time: 240 },
];

/** Every entry bad. */
export const ONLY_BAD_ENTRIES: PerlValue[] = [{ node_id: 'pc1' }, { node_id: 'pc2', max_wait_time: 'later' }, 'pc3'];

/**
 * A countdown as Python's xmlrpc.client sends it (`{$double: n}` is a float, see xmlrpc-call.py):
 * a negative wait, a malformed entry, and members the agent does not know, of several types.
 */
export const PYTHON_PER_ENTRY = [
  { node_id: 'pc101', client_id: 'node-1', max_wait_time: -20, site: 'utah', weight: { $double: 2 }, tags: ['a', 1] },
  { node_id: 'pc102', client_id: 'node-2', max_wait_time: 'in a while', note: { by: 'boss', at: 3 } },
  { node_id: 'pc103', client_id: 'node-3', max_wait_time: 240, share: { $double: 0.5 }, spare: true },
];
