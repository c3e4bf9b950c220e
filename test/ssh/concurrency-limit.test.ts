import { describe, expect, it } from 'vitest';
import { ConcurrencyLimit } from '../../src/ssh/concurrency-limit.js';

describe('ConcurrencyLimit', () => {
  it('never runs more than max tasks at once and runs them all', async () => {
    const limit = new ConcurrencyLimit(3);
    let active = 0;
    let peak = 0;
    const task = async (i: number) => {
      active += 1;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 5));
      active -= 1;
      return i;
    };
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => limit.run(() => task(i))));
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(peak).toBe(3);
  });

  it('gives up a queued acquire when its signal fires, without losing the slot', async () => {
    const limit = new ConcurrencyLimit(1);
    const first = await limit.acquire();
    const controller = new AbortController();
    const queued = limit.acquire(controller.signal);
    controller.abort();
    expect(await queued).toBeNull();
    first!();
    const next = await limit.acquire();
    expect(next).toBeTypeOf('function');
  });

  it('releases a slot even when the task throws', async () => {
    const limit = new ConcurrencyLimit(1);
    await expect(limit.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await limit.run(async () => 'after')).toBe('after');
  });
});
