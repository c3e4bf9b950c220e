import { describe, expect, it } from 'vitest';
import { CrashSearch } from '../../src/drain/crash-search.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { flush } from '../helpers/settle.js';

/** A search over suspects of one step each on nodes pc0…pcN, all draining in their first incarnation. */
function search(count: number) {
  const suspects = new Set(Array.from({ length: count }, (_, i) => `pc${i}#1:graceful:0`));
  const draining = new Set(Array.from({ length: count + 2 }, (_, i) => `pc${i}`));
  const { logger, lines } = captureLogger('info');
  const crash = new CrashSearch({
    suspects: () => suspects,
    runningNodeOf: (nodeId) => (draining.has(nodeId) ? `${nodeId}#1` : undefined),
    logger,
  });
  const admitted = new Set<string>();
  const ask = (nodeId: string, signal = new AbortController().signal) =>
    void crash.admit(nodeId, signal).then(() => admitted.add(nodeId));
  return { crash, suspects, draining, admitted, ask, lines };
}

describe('the crash search', () => {
  it('holds every command until the nodes are restored, then resumes half of the suspects', async () => {
    const s = search(4);
    for (const id of ['pc0', 'pc1', 'pc2', 'pc3', 'pc5']) s.ask(id);
    await flush();
    expect(s.admitted.size).toBe(0);
    s.crash.start();
    await flush();
    expect([...s.admitted].sort()).toEqual(['pc0', 'pc1']);
    expect(s.lines.some((l) => String(l.msg).startsWith('crash search: the agent died'))).toBe(true);
  });

  it('resumes the next half once the resumed ones left their suspect steps, then lets every drain go on', async () => {
    const s = search(4);
    s.crash.start();
    for (const id of ['pc2', 'pc3', 'pc5']) s.ask(id);
    s.suspects.delete('pc0#1:graceful:0');
    s.crash.update();
    await flush();
    expect(s.admitted.size).toBe(0);
    s.suspects.delete('pc1#1:graceful:0');
    s.crash.update();
    await flush();
    expect([...s.admitted]).toEqual(['pc2']);
    s.suspects.delete('pc2#1:graceful:0');
    s.crash.update();
    await flush();
    expect([...s.admitted].sort()).toEqual(['pc2', 'pc3']);
    s.suspects.delete('pc3#1:graceful:0');
    s.crash.update();
    await flush();
    expect([...s.admitted].sort()).toEqual(['pc2', 'pc3', 'pc5']);
    expect(s.crash.active).toBe(false);
  });

  it('does not wait for suspects whose nodes no longer drain, and lets a stopped drain stop waiting', async () => {
    const s = search(2);
    s.draining.delete('pc0');
    s.draining.delete('pc1');
    const stop = new AbortController();
    s.ask('pc3', stop.signal);
    stop.abort();
    await flush();
    expect(s.admitted.has('pc3')).toBe(true);
    s.crash.start();
    expect(s.crash.active).toBe(false);
  });

  it('is never active without suspects', async () => {
    const s = search(0);
    s.ask('pc1');
    await flush();
    expect(s.admitted.has('pc1')).toBe(true);
  });
});
