import { describe, expect, it } from 'vitest';
import { ReadPacer } from '../../src/ssh/read-pacer.js';

describe('ReadPacer', () => {
  it('lets a burst of 100 ms through, then asks to pause until reading is back on the rate', () => {
    let now = 1_000;
    const pacer = new ReadPacer(1_000, () => now); // 1,000 bytes/s: 1 byte per ms
    expect(pacer.pauseAfter(60)).toBe(0);
    expect(pacer.pauseAfter(40)).toBe(0); // exactly the burst
    expect(pacer.pauseAfter(50)).toBe(150);
    now += 150;
    expect(pacer.pauseAfter(10)).toBe(0);
    now += 10_000; // idle time is not saved up for a later burst
    expect(pacer.pauseAfter(100)).toBe(0);
    expect(pacer.pauseAfter(1)).toBe(101);
  });

  it('never pauses for bytes that were kept, or without a rate', () => {
    expect(new ReadPacer(1, () => 0).pauseAfter(0)).toBe(0);
    expect(new ReadPacer(Infinity, () => 0).pauseAfter(1e9)).toBe(0);
  });
});
