import { describe, expect, it } from 'vitest';
import type { NodeMemory, NodeRestore } from '../../machines/node.types.js';
import { Observer } from '../../src/observe/observer.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { makeSlice } from '../helpers/fake-slice.js';
import { HANG } from '../helpers/fake-ssh-runner.js';
import { nodeMemory } from '../helpers/node-memory.js';
import { flush } from '../helpers/scripted-drain.js';

const NOW = 5_000_000;
const memory = (overrides: Partial<NodeMemory>): NodeMemory =>
  nodeMemory({ revokedAt: NOW - 60_000, deadline: NOW + 10_000, maxWaitTime: 70, incarnation: 1, ...overrides });

/** A slice whose node pc3 is rebuilt from the journal as `restore` says, watched by an observer. */
function restoredSlice(restore: NodeRestore) {
  let observer: Observer | undefined;
  const made = makeSlice({ onChange: (change) => observer!.onChange(change) });
  observer = new Observer({ logger: captureLogger().logger, now: () => made.clock.now(), slice: () => made.slice });
  const kinds: string[] = [];
  observer.subscribe((update) => {
    if (update.nodeId === 'pc3') kinds.push(...update.entries.map((e) => e.kind));
  });
  made.runner.when(() => true, HANG);
  made.slice.addNode(
    { nodeId: 'pc3', clientId: 'node3', target: { nodeId: 'pc3', host: 'node3.example', port: 22, user: 'root' } },
    restore,
  );
  return { ...made, kinds };
}

describe('a node rebuilt after a restart', () => {
  it('does not report its drain failed again when it is later forced', async () => {
    const { clock, kinds } = restoredSlice({
      state: 'held',
      memory: memory({ failure: 'verify stop-jobs: still running' }),
    });
    clock.increment(11_000);
    await flush();
    expect(kinds).toContain('forced');
    expect(kinds).toContain('released');
    expect(kinds).not.toContain('failed');
  });

  it('released before the restart (best effort), it is not released again when forced', async () => {
    const { clock, kinds } = restoredSlice({
      state: 'draining.bestEffort',
      memory: memory({ maxWaitTime: 0, deadline: NOW }),
    });
    clock.increment(4_000);
    await flush();
    expect(kinds).toContain('forced');
    expect(kinds).not.toContain('released');
  });
});
