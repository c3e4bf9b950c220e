import { describe, expect, it } from 'vitest';
import { Observer } from '../../src/observe/observer.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { makeSlice } from '../helpers/fake-slice.js';
import { settle } from '../helpers/scripted-drain.js';

const entry = (node_id: string, max_wait_time: number) => ({ node_id, client_id: 'node1', max_wait_time });

describe('the status view of a node given back to the slice', () => {
  it('shows the new incarnation, keeps the old timeline above a marker, and reports its release again', async () => {
    let observer: Observer | undefined;
    const made = makeSlice({ onChange: (change) => observer!.onChange(change) });
    const { slice } = made;
    observer = new Observer({ logger: captureLogger().logger, now: () => made.clock.now(), slice: () => slice });
    const events: string[] = [];
    observer.subscribe((update) =>
      events.push(...update.entries.filter((e) => e.kind === 'released').map(() => update.nodeId)),
    );

    await slice.notifyDeletePending([entry('pc1', 300)]);
    await settle();
    await slice.notifyDeleteComplete([entry('pc1', 0)]);
    made.clock.increment(120_000);
    await slice.notifyDeletePending([entry('pc1', 300)]);
    await settle();

    const view = observer.view('pc1', true)!;
    expect(view).toMatchObject({ incarnation: 2, stateName: 'drained', released: true, workLost: false });
    const texts = view.timeline!.map((e) => e.text);
    expect(texts.indexOf('back in the slice: incarnation 2, allocated.idle')).toBeGreaterThan(texts.indexOf('deleted'));
    expect(texts.filter((t) => t === 'released to the cluster')).toHaveLength(2);
    expect(events).toEqual(['pc1', 'pc1']);
  });
});
