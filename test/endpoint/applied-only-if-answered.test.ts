import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateToken } from '../../src/endpoint/token-path.js';
import { perlMethodCall } from '../helpers/xmlrpc-perl-style.js';
import { keepAlivePost, postXml, sendRaw, statusesIn } from '../helpers/xmlrpc-raw-http.js';
import { startTestEndpoint, type TestEndpoint } from '../helpers/xmlrpc-test-endpoint.js';
import { type GuardedAgent, NODE_IDS, startGuardedAgent } from './guarded-agent.js';

const countdown = perlMethodCall('NotifyDeletePending', [
  { nodelist: NODE_IDS.map((id) => ({ node_id: id, max_wait_time: 600 })) },
]);
const valuesCall = (value: number) =>
  perlMethodCall('SetResourceValues', [{ nodelist: [{ node_id: 'pc1', client_id: 'node1', value }] }]);
const replyCodesIn = (text: string): number[] =>
  [...text.matchAll(/<member><name>code<\/name><value><int>(\d+)<\/int>/g)].map((match) => Number(match[1]));
/** The server may close its side after a refusal: a hostile peer keeps sending all the same. */
const HALF_OPEN = { allowHalfOpen: true };
/** Gives the server time to read and handle what was sent before this side closes too. */
function sendThenEnd(socket: Socket, data: string): void {
  socket.write(data);
  setTimeout(() => socket.end(), 200);
}
const waitFor = (socket: Socket, pattern: RegExp): Promise<void> =>
  new Promise((resolve) => {
    let seen = '';
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString('latin1');
      if (pattern.test(seen)) resolve(void socket.off('data', onData));
    };
    socket.on('data', onData);
  });

describe('on a connection where a refusal or an HTTP error came first, nothing later is applied', () => {
  const token = generateToken();
  const callPath = `/dynslice/${token}`;
  let guarded: GuardedAgent;
  beforeAll(async () => (guarded = await startGuardedAgent({ token, maxBodyBytes: 4096 })));
  afterAll(() => guarded.close());
  const answered = (): number => guarded.lines.filter((line) => line.msg === 'xml-rpc call answered').length;

  it('drops a valid call pipelined behind a call refused with 403', async () => {
    const before = guarded.states();
    const response = await sendRaw(
      guarded.port,
      keepAlivePost(`/dynslice/${generateToken()}`, countdown) + keepAlivePost(callPath, countdown),
    );
    expect(statusesIn(response.text)).toEqual([403]);
    expect([guarded.states(), answered()]).toEqual([before, 0]);
  });

  it('drops a valid call sent behind a chunked body refused with 413', async () => {
    const before = guarded.states();
    const chunk = `1000\r\n${' '.repeat(0x1000)}\r\n`;
    const head = `POST ${callPath} HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n`;
    const response = await sendRaw(
      guarded.port,
      head + chunk + chunk,
      (socket) => {
        void waitFor(socket, /^HTTP\/1\.1 413/).then(() =>
          sendThenEnd(socket, `0\r\n\r\n${keepAlivePost(callPath, countdown)}`),
        );
      },
      HALF_OPEN,
    );
    expect(statusesIn(response.text)).toEqual([413]);
    expect([guarded.states(), answered()]).toEqual([before, 0]);
  });

  it('answers a valid call followed by junk in the same packet with 400 alone, and applies nothing', async () => {
    const before = guarded.states();
    const response = await sendRaw(guarded.port, `${keepAlivePost(callPath, countdown)}JUNK JUNK\r\n\r\n`);
    expect(statusesIn(response.text)).toEqual([400]);
    expect([guarded.states(), answered()]).toEqual([before, 0]);
  });

  // Last: it is the one that changes the machines, which shows the checks above could fail.
  it('applies two valid pipelined calls in the order they came, and answers both in that order', async () => {
    const before = guarded.states();
    const response = await sendRaw(
      guarded.port,
      keepAlivePost(callPath, valuesCall(0.2)) + keepAlivePost(callPath, valuesCall(0.9)),
      (socket) => {
        void waitFor(socket, /(HTTP\/1\.1 200[\s\S]*){2}<\/methodResponse>/).then(() => socket.end());
      },
    );
    expect([statusesIn(response.text), replyCodesIn(response.text)]).toEqual([
      [200, 200],
      [0, 0],
    ]);
    expect(guarded.states()).not.toBe(before);
    expect(guarded.agent.slice.get('pc1')!.ensureStarted().getSnapshot().context).toMatchObject({ value: 0.9 });
  });
});

describe('calls already being applied when an error or a refusal comes', () => {
  let endpoint: TestEndpoint;
  beforeAll(async () => (endpoint = await startTestEndpoint({ handlerTimeoutMs: 300, maxConcurrentRequests: 1 })));
  afterAll(() => endpoint.close());
  const call = perlMethodCall('NotifyDeleteComplete', [{ nodelist: [{ node_id: 'pc1' }] }]);

  it('answers a call still being handled when junk arrives, then sends the 400', async () => {
    endpoint.handlers.calls.length = 0;
    endpoint.handlers.behaviour = 'hang';
    const response = await sendRaw(endpoint.port, keepAlivePost('/dynslice', call), (socket) => {
      const junk = setInterval(() => {
        if (endpoint.handlers.calls.length === 0) return;
        clearInterval(junk);
        socket.write('JUNK JUNK\r\n\r\n');
      }, 10);
      socket.once('close', () => clearInterval(junk));
    });
    endpoint.handlers.behaviour = 'answer';
    // The handler never settles: the call is answered SERVERERROR (5) when the handler timeout passes.
    expect([statusesIn(response.text), replyCodesIn(response.text)]).toEqual([[200, 400], [5]]);
  });

  it('drops a call sent on a connection after its 503, even once a slot is free again', async () => {
    endpoint.handlers.calls.length = 0;
    endpoint.handlers.behaviour = 'hang';
    const held = postXml(endpoint.port, call);
    await expect.poll(() => endpoint.handlers.calls.length).toBe(1);
    const response = await sendRaw(
      endpoint.port,
      keepAlivePost('/dynslice', call),
      (socket) => {
        void waitFor(socket, /^HTTP\/1\.1 503/).then(async () => {
          await held;
          sendThenEnd(socket, keepAlivePost('/dynslice', call));
        });
      },
      HALF_OPEN,
    );
    endpoint.handlers.behaviour = 'answer';
    expect(statusesIn(response.text)).toEqual([503]);
    expect(endpoint.handlers.calls).toHaveLength(1);
  });
});
