/** The pure part of `npm run bench -- --compare REF`: the order of the trials and how a ratio is read. */

export type Side = 'ref' | 'here';

/** Trial i runs both sides, A B then B A (ABBA…): a drift of the machine weighs on both alike. */
export function trialOrder(trials: number): Side[][] {
  return Array.from({ length: trials }, (_, i): Side[] => (i % 2 === 0 ? ['ref', 'here'] : ['here', 'ref']));
}

/** Fewer trials than this never name a change (see compare). */
export const MIN_TRIALS = 4;

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export function spread(values: readonly number[]): Spread {
  if (values.length === 0) throw new Error('no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median, min: sorted[0]!, max: sorted.at(-1)! };
}

export type Better = 'higher' | 'lower';
export type Verdict = 'better' | 'worse' | 'within noise';

export interface Comparison {
  ref: Spread;
  here: Spread;
  /** here ÷ ref of the medians. */
  ratio: number;
  /** here ÷ ref of each trial's pair: their range is the ratio's spread. */
  pairRatios: Spread;
  verdict: Verdict;
}

/**
 * A change is reported only when the two sides' ranges do not overlap and every trial's pair says
 * the same (all pair ratios on one side of 1), over at least MIN_TRIALS trials; anything else is
 * within noise. Identical code puts every one of n values of a side above the other's by chance
 * with probability 2 / C(2n, n): 0.33 for 2 trials, 0.10 for 3, 0.03 for 4, 0.008 for 5.
 */
export function compare(ref: readonly number[], here: readonly number[], better: Better): Comparison {
  if (ref.length !== here.length) throw new Error('each trial measures both sides');
  const pairs = ref.map((value, i) => here[i]! / value);
  const [r, h, p] = [spread(ref), spread(here), spread(pairs)];
  const ratio = h.median / r.median;
  const apart = h.min > r.max || h.max < r.min;
  const higher = p.min > 1;
  const lower = p.max < 1;
  const changed = ref.length >= MIN_TRIALS && apart && (higher || lower);
  const verdict: Verdict = !changed ? 'within noise' : higher === (better === 'higher') ? 'better' : 'worse';
  return { ref: r, here: h, ratio, pairRatios: p, verdict };
}

export interface CompareArgs {
  ref: string;
  trials: number;
  quick: boolean;
  only: string[];
}

/** `--compare REF [--trials N] [--quick] [--only=a,b]`; undefined without `--compare`. */
export function compareArgs(args: readonly string[], parts: readonly string[]): CompareArgs | undefined {
  const at = args.findIndex((arg) => arg === '--compare' || arg.startsWith('--compare='));
  if (at === -1) return undefined;
  const ref = args[at]!.includes('=') ? args[at]!.slice('--compare='.length) : args[at + 1];
  if (!ref || ref.startsWith('--')) throw new Error('--compare needs a commit: npm run bench -- --compare main');
  const quick = args.includes('--quick');
  // `--trials N` or `--trials=N`, as `--compare`.
  const trialsAt = args.findIndex((arg) => arg === '--trials' || arg.startsWith('--trials='));
  const trialsArg = trialsAt === -1 ? undefined : (args[trialsAt]!.split('=')[1] ?? args[trialsAt + 1] ?? '');
  const trials = trialsArg === undefined ? (quick ? 2 : 5) : Number(trialsArg);
  if (!Number.isInteger(trials) || trials < 1) throw new Error(`--trials must be a whole number ≥ 1, not ${trialsArg}`);
  const only = args
    .find((arg) => arg.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',') ?? [...parts];
  const unknown = only.filter((part) => !parts.includes(part));
  if (unknown.length > 0) throw new Error(`unknown part ${unknown.join(', ')}: the parts are ${parts.join(', ')}`);
  return { ref, trials, quick, only };
}
