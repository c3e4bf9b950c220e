import { request } from 'node:http';
import { perlMethodCall } from '../test/helpers/xmlrpc-perl-style.js';

/** Node ids as the agent process names its nodes (agent-server.ts). */
export const nodeId = (i: number): string => `pc${i + 1}`;

/** A countdown call as CloudLab's Perl side writes it: untyped strings, `<i4>` numbers. */
export function countdownBody(nodes: number, maxWaitTime = 600): string {
  const nodelist = Array.from({ length: nodes }, (_, i) => ({
    node_id: nodeId(i),
    client_id: `node-${i + 1}`,
    max_wait_time: maxWaitTime,
  }));
  return perlMethodCall('NotifyDeletePending', [{ nodelist }]);
}

/** SetResourceValues over the slice's nodes, with the URN the cluster sends. */
export function valuesBody(nodes: number): string {
  const nodelist = Array.from({ length: nodes }, (_, i) => ({
    node_id: nodeId(i),
    client_id: `node-${i + 1}`,
    component_urn: `urn:publicid:IDN+utah.cloudlab.us+node+${nodeId(i)}`,
    value: (i % 97) / 100 + 0.005,
  }));
  return perlMethodCall('SetResourceValues', [{ nodelist }]);
}

/** One POST on a fresh connection, as the Perl caller sends it; resolves with the reply text. */
export function post(port: number, body: string, path = '/dynslice'): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent: false,
        headers: { 'Content-Type': 'text/xml', Connection: 'close' },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          res.statusCode === 200 ? resolve(text) : reject(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`)),
        );
      },
    );
    req.setTimeout(120_000, () => req.destroy(new Error('no reply within 120 s')));
    req.on('error', reject);
    req.end(body);
  });
}

/** The `code` of a ProtoGENI reply, or the faultCode of a fault. */
export const replyCode = (xml: string): number =>
  Number(/<name>(?:code|faultCode)<\/name><value><int>(-?\d+)<\/int>/.exec(xml)?.[1] ?? Number.NaN);
