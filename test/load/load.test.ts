import { Agent as HttpsAgent, request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateToken } from '../../src/endpoint/token-path.js';
import { type GuardedAgent, NODE_IDS, startGuardedAgent } from '../endpoint/guarded-agent.js';
import { createTestPki, type TestPki } from '../helpers/test-pki.js';
import { perlMethodCall } from '../helpers/xmlrpc-perl-style.js';

const CALLERS = 50;
const SECONDS = Number(process.env.LOAD_SECONDS ?? 3);
const countdown = perlMethodCall('NotifyDeletePending', [
  { nodelist: NODE_IDS.map((id, i) => ({ node_id: id, client_id: `node${i + 1}`, max_wait_time: 600 })) },
]);
const ECHOED = NODE_IDS.map((id) => `<name>node_id</name><value><string>${id}</string></value>`);

describe('load', () => {
  let pki: TestPki;
  let guarded: GuardedAgent;
  beforeAll(async () => {
    pki = await createTestPki();
    guarded = await startGuardedAgent(
      { token: generateToken(), tls: { cert: pki.server.certPath, key: pki.server.keyPath } },
      { logLevel: 'warn' },
    );
  });
  afterAll(async () => {
    await guarded?.close();
    await pki?.remove();
  });

  it(`${CALLERS} concurrent callers sending countdown calls over HTTPS for ${SECONDS} s get no error`, async () => {
    const agent = new HttpsAgent({ keepAlive: true, maxSockets: CALLERS, ca: pki.server.cert });
    const post = (): Promise<{ status: number; body: string }> =>
      new Promise((resolve, reject) => {
        const req = request(guarded.url, { method: 'POST', agent, headers: { 'Content-Type': 'text/xml' } }, (res) => {
          let body = '';
          res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end(countdown);
      });
    const handled = vi.spyOn(guarded.agent.slice, 'notifyDeletePending');
    const latencies: number[] = [];
    const errors: string[] = [];
    const until = performance.now() + SECONDS * 1000;
    const caller = async (): Promise<void> => {
      while (performance.now() < until) {
        const started = performance.now();
        try {
          const { status, body } = await post();
          const whole =
            status === 200 &&
            body.includes('<name>code</name><value><int>0</int>') &&
            ECHOED.every((m) => body.includes(m));
          if (!whole) errors.push(`${status} ${body.slice(0, 200)}`);
        } catch (error) {
          errors.push(String(error));
        }
        latencies.push(performance.now() - started);
      }
    };
    await Promise.all(Array.from({ length: CALLERS }, caller));
    agent.destroy();
    latencies.sort((a, b) => a - b);
    const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(1);
    console.info(
      `load: ${CALLERS} callers, ${latencies.length} countdown calls in ${SECONDS} s (${Math.round(latencies.length / SECONDS)}/s), ` +
        `latency p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, errors ${errors.length}`,
    );
    expect(errors.slice(0, 5)).toEqual([]);
    expect(handled).toHaveBeenCalledTimes(latencies.length);
    expect(guarded.agent.slice.list().every((node) => node.ensureStarted().getSnapshot().matches('draining'))).toBe(
      true,
    );
  });
});
