// `npm run bench -- --compare REF`: the same cells against the agent built from REF and the agent of
// this tree, alternating in one sitting, each figure's ratio with its spread (compare-stats.ts).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  type Better,
  type CompareArgs,
  type Comparison,
  compare,
  MIN_TRIALS,
  type Side,
  trialOrder,
} from './compare-stats.js';
import { benchAgentEndpoint, endpointCalls } from './endpoint-bench.js';
import { agentTrial } from './fanout-bench.js';
import { type LoopbackSshd, startLoopbackSshd } from './loopback-sshd.js';
import { describeMachine, loadNow } from './machine.js';
import { COMPILED } from './processes.js';
import { buildRef } from './ref-build.js';
import { benchRestart, restartSummary } from './restart-bench.js';
import { benchScale } from './scale-bench.js';

/** What one trial of a part measures, by figure name. */
type Figures = Record<string, number>;

interface Part {
  name: string;
  /** Per figure: which way is better, and its unit. */
  figures: Record<string, { better: Better; unit: string }>;
  /** One trial on the agent compiled in `compiled`. */
  trial(compiled: string): Promise<Figures>;
}

export const COMPARE_PARTS = ['endpoint', 'fanout', 'scale', 'restart'] as const;

function parts(args: CompareArgs, sshd: () => Promise<LoopbackSshd>): Part[] {
  const endpointSizes: [number, number, number] = args.quick ? [10, 100, 100] : [10, 1000, 1000];
  const fanoutNodes = args.quick ? 8 : 50;
  const scaleNodes = args.quick ? 500 : 10_000;
  // As the bench: V8 gives a wave's garbage back within about a minute, so an earlier look compares
  // when the collector ran rather than what the nodes keep (at 20 s one side had collected, the other not).
  const scaleIdle = args.quick ? 2 : 60;
  const restartPlan = args.quick ? { nodes: 100, repeats: 50 } : { nodes: 1000, repeats: 1440 };
  const all: Part[] = [
    {
      name: 'endpoint',
      figures: Object.fromEntries(
        endpointCalls(endpointSizes).map(({ call }) => [`${call}: requests/s`, { better: 'higher', unit: '/s' }]),
      ),
      async trial(compiled) {
        const rows = await benchAgentEndpoint(
          { seconds: args.quick ? 1 : 3, sizes: endpointSizes, connections: 1 },
          compiled,
        );
        // One connection: the mean latency is 1 / the rate (autocannon's percentiles are whole ms).
        return Object.fromEntries(rows.map((row) => [`${row.call}: requests/s`, row.requestsPerSecond]));
      },
    },
    {
      name: 'fanout',
      figures: {
        [`reaction, ${fanoutNodes} nodes`]: { better: 'lower', unit: 'ms' },
        [`node start p50, ${fanoutNodes} nodes`]: { better: 'lower', unit: 'ms' },
        [`makespan, ${fanoutNodes} nodes`]: { better: 'lower', unit: 'ms' },
      },
      async trial(compiled) {
        const trial = await agentTrial(fanoutNodes, true, await sshd(), 32, compiled);
        return {
          [`reaction, ${fanoutNodes} nodes`]: trial.reactionMs,
          [`node start p50, ${fanoutNodes} nodes`]: trial.nodeStartP50Ms,
          [`makespan, ${fanoutNodes} nodes`]: trial.makespanMs,
        };
      },
    },
    {
      name: 'scale',
      figures: {
        [`RSS after every drain, ${scaleNodes} nodes`]: { better: 'lower', unit: 'MB' },
        [`RSS ${scaleIdle} s later`]: { better: 'lower', unit: 'MB' },
        [`heap used ${scaleIdle} s later`]: { better: 'lower', unit: 'MB' },
        'first countdown answered': { better: 'lower', unit: 'ms' },
        'every drain done after that reply': { better: 'lower', unit: 'ms' },
        'repeated countdown': { better: 'lower', unit: 'ms' },
      },
      async trial(compiled) {
        const scale = await benchScale(scaleNodes, compiled, scaleIdle);
        return {
          [`RSS after every drain, ${scaleNodes} nodes`]: scale.rssAfterCallsMb,
          [`RSS ${scaleIdle} s later`]: scale.rssAfterIdleMb,
          [`heap used ${scaleIdle} s later`]: scale.heapAfterIdleMb,
          'first countdown answered': scale.firstCallMs,
          'every drain done after that reply': scale.drainsSettledMs,
          'repeated countdown': scale.repeatCallMs,
        };
      },
    },
    {
      name: 'restart',
      figures: {
        [`restart → first countdown answered, ${restartPlan.nodes} nodes`]: { better: 'lower', unit: 'ms' },
        'fresh start → first countdown answered': { better: 'lower', unit: 'ms' },
        'RSS after the restart': { better: 'lower', unit: 'MB' },
      },
      async trial(compiled) {
        const r = restartSummary(await benchRestart(restartPlan.nodes, restartPlan.repeats, 1, compiled));
        return {
          [`restart → first countdown answered, ${restartPlan.nodes} nodes`]: r.restartAnswerMs,
          'fresh start → first countdown answered': r.freshAnswerMs,
          'RSS after the restart': r.rssAfterRestartMb,
        };
      },
    },
  ];
  return all.filter((part) => args.only.includes(part.name));
}

export interface CompareResult {
  command: string;
  date: string;
  machine: ReturnType<typeof describeMachine> & { loadAfter: number };
  ref: { ref: string; commit: string; harness: string };
  trials: number;
  figures: Array<
    { part: string; figure: string; unit: string; better: Better; values: Record<Side, number[]> } & Comparison
  >;
}

export async function runCompare(args: CompareArgs, command: string): Promise<CompareResult> {
  const machine = describeMachine();
  console.info(`building ${args.ref} in a temporary worktree`);
  const built = buildRef(args.ref);
  console.info(`  ${built.commit.slice(0, 12)}, agent server compiled with ${built.harness}'s bench harness`);
  let sshd: LoopbackSshd | undefined;
  const needSshd = async (): Promise<LoopbackSshd> => (sshd ??= await startLoopbackSshd());
  const stopAll = async (): Promise<void> => {
    await sshd?.stop();
    built.remove();
  };
  const interrupted = (): void => void stopAll().finally(() => process.exit(130));
  process.once('SIGINT', interrupted);
  try {
    const figures: CompareResult['figures'] = [];
    const compiled: Record<Side, string> = { ref: built.compiled, here: COMPILED };
    for (const part of parts(args, needSshd)) {
      const seen: Record<Side, Figures[]> = { ref: [], here: [] };
      for (const [i, order] of trialOrder(args.trials).entries()) {
        for (const side of order) {
          seen[side].push(await part.trial(compiled[side]));
          console.info(
            `  ${part.name} trial ${i + 1}/${args.trials}, ${side === 'ref' ? args.ref : 'this tree'}: done`,
          );
        }
      }
      for (const [figure, { better, unit }] of Object.entries(part.figures)) {
        const ref = seen.ref.map((f) => f[figure] ?? Number.NaN);
        const here = seen.here.map((f) => f[figure] ?? Number.NaN);
        figures.push({ part: part.name, figure, unit, better, values: { ref, here }, ...compare(ref, here, better) });
      }
    }
    return {
      command,
      date: new Date().toISOString().slice(0, 16).replace('T', ' '),
      machine: { ...machine, loadAfter: loadNow() },
      ref: { ref: args.ref, commit: built.commit, harness: built.harness },
      trials: args.trials,
      figures,
    };
  } finally {
    process.off('SIGINT', interrupted);
    await stopAll();
  }
}

const n = (value: number): string =>
  value.toLocaleString('en', { maximumFractionDigits: value < 10 ? 2 : value < 100 ? 1 : 0 });
const range = ({ median, min, max }: { median: number; min: number; max: number }, unit: string): string =>
  `${n(median)} ${unit} (${n(min)}–${n(max)})`;

/** The comparison as a Markdown table, with how to read it. */
export function renderCompare(result: CompareResult): string {
  const { machine } = result;
  const lines = [
    `\`${result.command}\`, ${result.date} UTC, ${machine.nproc} cores (${machine.cpu}), Node ${machine.node}; load average ${n(machine.loadBefore)} before, ${n(machine.loadAfter)} after.`,
    `REF = ${result.ref.ref} (${result.ref.commit.slice(0, 12)}, measured with ${result.ref.harness}'s harness); ${result.trials} trials of each side, alternating (ABBA). Medians, ranges in brackets; here ÷ REF of the medians, the range of the trials' pair ratios in brackets. A change is named only when every pair agrees and the ranges do not overlap, over at least ${MIN_TRIALS} trials.`,
    '',
    '| figure | REF | this tree | this tree ÷ REF | verdict |',
    '|---|---:|---:|---:|---|',
  ];
  for (const f of result.figures) {
    lines.push(
      `| ${f.figure} | ${range(f.ref, f.unit)} | ${range(f.here, f.unit)} | ${n(f.ratio)}× (${n(f.pairRatios.min)}–${n(f.pairRatios.max)}) | ${f.verdict === 'within noise' ? 'within noise' : `**${f.verdict}** (${f.better} is better)`} |`,
    );
  }
  return lines.join('\n');
}

export function writeCompareResult(result: CompareResult): void {
  writeFileSync(fileURLToPath(new URL('./last-compare.json', import.meta.url)), `${JSON.stringify(result, null, 2)}\n`);
}
