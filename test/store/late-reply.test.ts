import { mkdtemp, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createClientEndpoint, HANDLER_TIMEOUT_OUTPUT } from '../../src/protocol/client-endpoint.js';
import { readHistory } from '../../src/store/history.js';
import type { OpenJournalFile } from '../../src/store/journal-writer.js';
import { JournaledHandlers } from '../../src/store/journaled-handlers.js';
import { nodeRecordOf } from '../../src/store/node-record.js';
import { Store } from '../../src/store/store.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { makeSlice } from '../helpers/fake-slice.js';
import { HANG } from '../helpers/fake-ssh-runner.js';

describe('a reply the endpoint gave up waiting for', () => {
  it('is journaled as the SERVERERROR the cluster got, not as the release it would have carried', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dynslice-late-'));
    // A disk that takes its time with every fdatasync until told to go on.
    let go: () => void = () => {};
    let slow = false;
    const openFile: OpenJournalFile = async (file) => {
      const handle = await open(file, 'a', 0o600);
      return Object.assign(Object.create(handle) as typeof handle, {
        datasync: async () => {
          if (slow) await new Promise<void>((resolve) => (go = resolve));
          await handle.datasync();
        },
      });
    };
    const { logger } = captureLogger();
    const store = await Store.open({ dir, logger, openFile });
    const made = makeSlice({
      onChange: (change) => store.recordNode(nodeRecordOf(made.slice.get(change.nodeId)!, change.snapshot)),
    });
    const { slice, runner } = made;
    runner.when(() => true, HANG);
    const endpoint = createClientEndpoint({
      handlers: new JournaledHandlers(slice, store),
      logger,
      handlerTimeoutMs: 200,
    });

    // The countdown moves pc1 to bestEffort (released at once), a state the reply rests on.
    slow = true;
    const reply = await endpoint.handleCall('NotifyDeletePending', [
      { nodelist: [{ node_id: 'pc1', client_id: 'node1', max_wait_time: 0 }] },
    ]);
    expect(reply).toMatchObject({ code: { value: 5 }, output: HANDLER_TIMEOUT_OUTPUT });
    slow = false;
    go();
    slice.stop();
    await store.close();

    const replies = (await readHistory(dir)).filter((r) => r.kind === 'reply').map((r) => r.detail);
    expect(replies).toHaveLength(1);
    expect(replies[0]).toContain('SERVERERROR');
    expect(replies[0]).not.toContain('released pc1');
  });
});
