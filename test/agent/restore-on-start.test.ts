import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAgent } from '../../src/agent.js';
import { parseConfig } from '../../src/config/load-config.js';
import { stateName } from '../../src/slice/node-actor.js';
import { Store } from '../../src/store/store.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { FakeSshRunner } from '../helpers/fake-ssh-runner.js';

/** A state directory whose journal holds pc102 draining (see test/store/state-format.test.ts). */
const FIXTURE = join(import.meta.dirname, '../fixtures/state-v1');
const NODES = [1, 2, 3, 4, 5].map((i) => ({
  node_id: `pc10${i}`,
  client_id: `node${i}`,
  host: `node${i}.exp.proj.utah.cloudlab.us`,
}));
const STEP = { name: 'stop-jobs', run: 'pkill -f job || true', verify: '! pgrep -f job' };
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('building an agent from a journal', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it('starts no node and runs nothing until restore; restore rebuilds the journaled nodes and resumes their drains', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dynslice-restore-'));
    dirs.push(dir);
    await cp(FIXTURE, dir, { recursive: true });
    const config = parseConfig(
      { endpoint: { listen: '127.0.0.1:0' }, nodes: NODES, drain: { steps: [STEP] }, state: { dir } },
      'fixture',
      dir,
    );
    const { logger } = captureLogger();
    const store = await Store.open({ dir, logger });
    const runner = new FakeSshRunner();
    runner.defaultAnswer = 'hang';
    const agent = createAgent({ config, logger, runner, store });
    try {
      await settle();
      expect(agent.slice.list()).toEqual([]);
      expect(runner.calls).toEqual([]);
      agent.restore();
      agent.restore();
      await settle();
      expect(agent.slice.list().map((node) => node.nodeId)).toEqual(['pc101', 'pc102', 'pc103', 'pc104', 'pc105']);
      expect(stateName(agent.slice.get('pc101')!.snapshot!.value)).toBe('drained');
      expect(runner.calls.map((call) => call.target.nodeId)).toContain('pc102');
    } finally {
      await agent.close();
      await store.close();
    }
  });
});
