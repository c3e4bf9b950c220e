import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Agent, createAgent } from '../../src/agent.js';
import { parseConfig } from '../../src/config/load-config.js';
import { type CapturedLog, captureLogger } from '../helpers/capture-logger.js';
import { FakeSshRunner, HANG } from '../helpers/fake-ssh-runner.js';
import { callWithPython } from '../helpers/xmlrpc-python.js';

/** Calls come from the network: what they can make the agent track about unknown nodes is bounded. */
describe('unknown nodes through the endpoint', () => {
  let agent: Agent;
  let url: string;
  let lines: CapturedLog[];

  beforeAll(async () => {
    const config = parseConfig(
      {
        endpoint: { listen: '127.0.0.1:0' },
        nodes: [{ node_id: 'pc1', client_id: 'node1', host: 'pc1.test' }],
        hostTemplate: '{client_id}.exp.test',
        unknownNodes: { policy: 'adopt', max: 100 },
        drain: { steps: [{ name: 'stop-jobs', run: 'pkill job', verify: '! pgrep job' }] },
      },
      'test',
      '/',
    );
    const runner = new FakeSshRunner();
    runner.defaultAnswer = HANG;
    const captured = captureLogger('info');
    lines = captured.lines;
    agent = createAgent({ config, logger: captured.logger, runner });
    url = (await agent.listen(0, '127.0.0.1')).url;
  });
  afterAll(() => agent?.close());

  const countdown = async (ids: string[]) => {
    const nodelist = ids.map((id) => ({ node_id: id, client_id: `c-${id}`, max_wait_time: 300 }));
    const [outcome] = await callWithPython(url, [{ method: 'NotifyDeletePending', params: [{ nodelist }] }]);
    return outcome!.result as { code: number; output: string };
  };
  const ids = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}${i}`);

  it('refuses with TOOBIG, naming the bound, a call past unknownNodes.max; applies nothing of it', async () => {
    expect((await countdown(ids('a', 80))).code).toBe(0);
    const refused = await countdown(['pc1', ...ids('b', 30)]);
    expect(refused.code).toBe(6);
    expect(refused.output).toMatch(
      /nodelist: names 30 nodes the agent does not know; it tracks 80 of at most 100 \(unknownNodes\.max\)/,
    );
    expect(agent.slice.get('pc1')!.started).toBe(false);
    expect(agent.slice.list()).toHaveLength(81);
    expect((await countdown(ids('b', 20))).code).toBe(0);
  });

  it('logs unknown nodes once per call, with a count', () => {
    const adopted = lines.filter((l) => l.msg === 'unknown nodes adopted');
    expect(adopted.map((l) => l.count)).toEqual([80, 20]);
    expect(lines.filter((l) => l.msg === 'call refused: too many unknown nodes')).toHaveLength(1);
  });
});
