import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { STATUS_TOKEN_ENV, statusCommand } from '../../src/cli/status-command.js';
import { HANG } from '../helpers/fake-ssh-runner.js';
import { NODES, type ObservedAgent, startObservedAgent } from './observed-agent.js';

async function status(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk: Buffer) => (text += chunk.toString()));
  await statusCommand(out, env).exitOverride().parseAsync(args, { from: 'user' });
  return text;
}

describe('dynslice-agent status', () => {
  const token = 'status-cli-token-0123456789abcdef';
  let observed: ObservedAgent;

  beforeAll(async () => {
    observed = await startObservedAgent({}, token);
    observed.runner.when((c) => c.target.nodeId === 'pc103', HANG);
    await observed.countdown(300, NODES.slice(1));
    await vi.waitFor(
      () => expect(observed.agent.slice.get('pc102')?.ensureStarted().getSnapshot().value).toBe('drained'),
      { timeout: 5_000 },
    );
  });
  afterAll(async () => observed?.stop());

  it('prints one row per node with its state, time left, step and release', async () => {
    const table = await status(['--url', observed.status.url], { [STATUS_TOKEN_ENV]: token });
    const lines = table.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NODE\s+CLIENT\s+HOST\s+STATE\s+VALUE\s+LEFT\s+STEP\s+ETA\s+RELEASED\s+FAILURE$/);
    const row = (id: string) => lines.find((l) => l.startsWith(id))!.split(/\s{2,}/);
    expect(row('pc101')).toEqual([
      'pc101',
      'node1',
      'node1.example.test',
      expect.stringMatching(/^allocated/),
      '-',
      '-',
      '-',
      '-',
      '-',
      '-',
    ]);
    expect(row('pc102')).toEqual([
      'pc102',
      'node2',
      'node2.example.test',
      'drained',
      '-',
      expect.stringMatching(/^[45]m\d\ds$/),
      'stop-jobs:verify ok',
      '-',
      expect.stringMatching(/^\d\d:\d\d:\d\d$/),
      '-',
    ]);
    expect(row('pc103')).toEqual([
      'pc103',
      'node3',
      'node3.example.test',
      'draining.countdown',
      '-',
      expect.stringMatching(/^[45]m\d\ds$/),
      'stop-jobs:run running',
      expect.stringMatching(/^in /),
      '-',
      '-',
    ]);
    expect(lines.at(-1)).toBe('3 nodes, 1 released');
  });

  it('--json prints the nodes as the API gives them', async () => {
    const nodes = JSON.parse(await status(['--url', observed.status.url, '--json'], { [STATUS_TOKEN_ENV]: token }));
    expect(nodes.map((n: { nodeId: string; state: string }) => `${n.nodeId}:${n.state}`)).toEqual([
      'pc101:allocated',
      'pc102:drained',
      'pc103:draining',
    ]);
  });

  it('says which variable to set when the server wants a token, and when nothing listens', async () => {
    await expect(status(['--url', observed.status.url])).rejects.toMatchObject({
      status: 1,
      message: expect.stringContaining(STATUS_TOKEN_ENV),
    });
    await expect(status(['--url', 'http://127.0.0.1:9'])).rejects.toMatchObject({
      status: 1,
      message: expect.stringContaining('cannot reach'),
    });
  });
});
