import { spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NodeRecord } from '../../src/store/records.js';
import { Store } from '../../src/store/store.js';
import { BIN } from '../helpers/agent-process.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { nodeMemory } from '../helpers/node-memory.js';

const memory = nodeMemory({ revokedAt: 1, deadline: 2, maxWaitTime: 60 });
const node = (nodeId: string, state: NodeRecord['state'], extra = {}): NodeRecord => ({
  nodeId,
  clientId: null,
  target: { nodeId, host: 'h', port: 22, user: 'root' },
  state,
  memory: { ...memory, ...extra },
});

describe('dynslice-agent history', () => {
  it('prints the journal as a timeline, per node, as text, jsonl or csv', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dynslice-history-'));
    const store = await Store.open({
      dir: join(dir, 'state'),
      logger: captureLogger().logger,
      now: () => Date.UTC(2026, 10, 28, 1, 2, 3),
    });
    store.recordCall('NotifyDeletePending', [
      { node_id: 'pc1', max_wait_time: 60 },
      { node_id: 'pc2', max_wait_time: 60 },
    ]);
    store.recordNode(node('pc1', 'draining.countdown'));
    store.recordNode(node('pc2', 'draining.countdown'));
    store.recordReply('NotifyDeletePending', []);
    store.recordNode(node('pc1', 'drained'));
    store.recordNode(node('pc2', 'held', { failure: 'stop: exit 1, "quoted"' }));
    store.recordReply('NotifyDeletePending', ['pc1']);
    await store.close();
    await writeFile(join(dir, 'agent.yaml'), 'state: { dir: ./state }\n');
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [BIN, 'history', '-c', join(dir, 'agent.yaml'), ...args], { encoding: 'utf8' });

    const text = run('--node', 'pc1');
    expect(text.status).toBe(0);
    const lines = text.stdout.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^2026-11-28T01:02:03.000Z {2}call {3}NotifyDeletePending {3}pc1\s+max_wait_time 60$/);
    expect(lines[2]).toContain('drained');
    expect(lines[2]).toContain('from draining.countdown');
    expect(lines[3]).toContain('released pc1');

    const jsonl = run('--format', 'jsonl')
      .stdout.trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind: string });
    expect(jsonl.map((r) => r.kind)).toEqual([
      'start',
      'call',
      'call',
      'node',
      'node',
      'reply',
      'node',
      'node',
      'reply',
      'stop',
    ]);

    const csv = run('--format', 'csv', '--node', 'pc2').stdout.trim().split('\n');
    expect(csv[0]).toBe('time,seq,kind,method,node,state,detail,incarnation');
    expect(csv.at(-1)).toContain(',node,,pc2,held,"from draining.countdown; failure: stop: exit 1, ""quoted""",1');
  });

  it('tells the incarnations of a node given back to the slice apart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dynslice-history-'));
    const store = await Store.open({ dir: join(dir, 'state'), logger: captureLogger().logger });
    store.recordNode(node('pc1', 'draining.countdown'));
    store.recordNode(node('pc1', 'drained'));
    store.recordNode(node('pc1', 'deleted', { deletedAt: 3 }));
    store.recordNode(node('pc1', 'allocated.idle', { incarnation: 2 }));
    store.recordNode(node('pc1', 'draining.countdown', { incarnation: 2 }));
    await store.close();
    await writeFile(join(dir, 'agent.yaml'), 'state: { dir: ./state }\n');
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [BIN, 'history', '-c', join(dir, 'agent.yaml'), ...args], { encoding: 'utf8' });

    const rows = run('--node', 'pc1', '--format', 'jsonl')
      .stdout.trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { state: string; incarnation: number; detail: string });
    expect(rows.map((r) => [r.state, r.incarnation])).toEqual([
      ['draining.countdown', 1],
      ['drained', 1],
      ['deleted', 1],
      ['allocated.idle', 2],
      ['draining.countdown', 2],
    ]);
    expect(rows[3]!.detail).toBe('back in the slice: incarnation 2; from deleted');
    const second = run('--node', 'pc1', '--incarnation', '2').stdout.trim().split('\n');
    expect(second).toHaveLength(2);
    expect(second[1]).toContain('incarnation 2; from allocated.idle');
    expect(run('--node', 'pc1', '--incarnation', 'zero').status).not.toBe(0);
  });
});
