import { describe, expect, it } from 'vitest';
import { compare, compareArgs, MIN_TRIALS, spread, trialOrder } from '../../bench/compare-stats.js';

const PARTS = ['endpoint', 'fanout', 'scale', 'restart'];

describe('bench --compare: order, spread and verdict', () => {
  it('alternates the sides trial by trial (ABBA), each side once a trial', () => {
    expect(trialOrder(4)).toEqual([
      ['ref', 'here'],
      ['here', 'ref'],
      ['ref', 'here'],
      ['here', 'ref'],
    ]);
  });

  it('gives the median (the mean of the middle two for an even count) and the range', () => {
    expect(spread([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3 });
    expect(spread([4, 1, 3, 2])).toEqual({ median: 2.5, min: 1, max: 4 });
    expect(() => spread([])).toThrow();
  });

  it('names a change only when the ranges are apart and every pair agrees, over enough trials', () => {
    const faster = compare([100, 102, 98, 101, 99], [120, 125, 119, 121, 118], 'higher');
    expect(faster.verdict).toBe('better');
    expect(faster.ratio).toBeCloseTo(120 / 100);
    expect(faster.pairRatios.min).toBeCloseTo(118 / 99);
    expect(compare([100, 102, 98, 101, 99], [120, 125, 119, 121, 118], 'lower').verdict).toBe('worse');
    // Overlapping ranges: noise, whatever the medians say.
    expect(compare([100, 130, 98, 101, 99], [120, 125, 119, 121, 118], 'higher').verdict).toBe('within noise');
    // Apart, but too few trials to tell from chance.
    const few = MIN_TRIALS - 1;
    expect(compare([1, 1, 1].slice(0, few), [2, 2, 2].slice(0, few), 'higher').verdict).toBe('within noise');
    expect(() => compare([1, 2], [1], 'higher')).toThrow();
  });

  it('reads the command line: REF, trials (5, or 2 with --quick), parts', () => {
    expect(compareArgs(['--quick'], PARTS)).toBeUndefined();
    expect(compareArgs(['--compare', 'main~2'], PARTS)).toEqual({
      ref: 'main~2',
      trials: 5,
      quick: false,
      only: PARTS,
    });
    expect(compareArgs(['--compare=abc123', '--quick', '--only=fanout'], PARTS)).toEqual({
      ref: 'abc123',
      trials: 2,
      quick: true,
      only: ['fanout'],
    });
    expect(compareArgs(['--compare', 'main', '--trials=7'], PARTS)?.trials).toBe(7);
    expect(compareArgs(['--compare', 'main', '--trials', '4'], PARTS)?.trials).toBe(4);
    expect(() => compareArgs(['--compare', 'main', '--trials'], PARTS)).toThrow(/--trials/);
    expect(() => compareArgs(['--compare'], PARTS)).toThrow(/needs a commit/);
    expect(() => compareArgs(['--compare', '--quick'], PARTS)).toThrow(/needs a commit/);
    expect(() => compareArgs(['--compare', 'main', '--trials=0'], PARTS)).toThrow(/--trials/);
    expect(() => compareArgs(['--compare', 'main', '--only=speed'], PARTS)).toThrow(/unknown part speed/);
  });
});
