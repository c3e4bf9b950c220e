// `npm run bench`: the endpoint, the drain fan-out and the scale of a slice, measured side by side in
// one run, written into docs/benchmarks.md (and its targets into README.md). `npm run bench -- --quick`
// is a smoke test with small counts (documents untouched unless --readme); `--only endpoint,fanout,scale,restart`
// runs a subset; `--compare REF [--trials N]` measures REF and this tree side by side (compare.ts).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { COMPARE_PARTS, renderCompare, runCompare, writeCompareResult } from './compare.js';
import { compareArgs } from './compare-stats.js';
import { benchEndpoint, type EndpointRow } from './endpoint-bench.js';
import { benchFanout, type FanoutTrial } from './fanout-bench.js';
import { describeMachine, journalDisk, loadNow, settleLoad } from './machine.js';
import { compileServers } from './processes.js';
import { type BenchResults, renderReport, renderSummary, updateGeneratedBlock } from './report.js';
import { benchRestart, type RestartResult } from './restart-bench.js';
import { benchScale, type ScaleResult } from './scale-bench.js';

const args = process.argv.slice(2);
const comparing = compareArgs(args, COMPARE_PARTS);
if (comparing) {
  // Against another commit, side by side: nothing of README.md or docs/benchmarks.md is rewritten.
  compileServers();
  const result = await runCompare(comparing, `npm run bench -- ${args.join(' ')}`);
  console.info(`\n${renderCompare(result)}`);
  writeCompareResult(result);
  console.info('\nraw figures: bench/last-compare.json');
  process.exit(0);
}
const quick = args.includes('--quick');
const only = args
  .find((arg) => arg.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',') ?? ['endpoint', 'fanout', 'scale', 'restart'];
const writeReadme = args.includes('--readme') || (!quick && only.length === 4);

const plan = quick
  ? {
      endpoint: { seconds: 2, sizes: [10, 100, 100] as [number, number, number] },
      fanout: { sizes: [4, 8], trials: 1 },
      scale: 500,
      restart: { nodes: 100, repeats: 50, trials: 1 },
    }
  : {
      endpoint: { seconds: 10, sizes: [10, 1000, 1000] as [number, number, number] },
      fanout: { sizes: [50, 200], trials: 3 },
      scale: 10_000,
      restart: { nodes: 1000, repeats: 1440, trials: 3 },
    };

const QUIET_LOAD = 2;
const machine = describeMachine();
const command = `npm run bench${args.length > 0 ? ` -- ${args.join(' ')}` : ''}`;
console.info(
  `${command}: ${machine.nproc} cores (${machine.cpu}), Node ${machine.node}, load average ${machine.loadBefore.toFixed(2)}`,
);

compileServers();
const loadAtStart: Record<string, number> = {};
let endpoint: EndpointRow[] = [];
let fanout: FanoutTrial[] = [];
let scale: ScaleResult | undefined;
let restart: RestartResult | undefined;
if (only.includes('endpoint')) {
  loadAtStart.endpoint = loadNow();
  console.info('endpoint throughput and latency (autocannon, 1 connection)');
  endpoint = await benchEndpoint({ ...plan.endpoint, connections: 1 });
}
if (only.includes('fanout')) {
  loadAtStart['fan-out'] = await settleLoad(QUIET_LOAD, quick ? 0 : 180);
  console.info('drain fan-out on one loopback sshd, against pdsh -R ssh');
  fanout = await benchFanout({ ...plan.fanout, fanout: 32 });
}
if (only.includes('scale')) {
  loadAtStart.scale = await settleLoad(QUIET_LOAD, quick ? 0 : 180);
  console.info(`scale: ${plan.scale.toLocaleString('en')} nodes in one slice`);
  scale = await benchScale(plan.scale, undefined, quick ? 5 : 60);
  console.info(
    `  build ${scale.buildMs.toFixed(0)} ms, RSS ${scale.rssAfterCallsMb.toFixed(0)} MB, first call ${scale.firstCallMs.toFixed(0)} ms, repeat ${scale.repeatCallMs.toFixed(0)} ms`,
  );
}

if (only.includes('restart')) {
  loadAtStart.restart = await settleLoad(QUIET_LOAD, quick ? 0 : 180);
  const { nodes, repeats, trials } = plan.restart;
  console.info(
    `restart: ${nodes.toLocaleString('en')} nodes after ${repeats} repeated countdowns, kill -9, against a fresh start`,
  );
  restart = await benchRestart(nodes, repeats, trials);
}

const results: BenchResults = {
  command,
  machine: { ...machine, loadAfter: loadNow(), loadAtStart },
  disk: journalDisk(),
  date: new Date().toISOString().slice(0, 16).replace('T', ' '),
  endpoint,
  fanout,
  scale,
  restart,
};
const report = renderReport(results);
console.info(`\n${report}`);
if (writeReadme) {
  // The raw figures behind the tables of docs/benchmarks.md, from the same run.
  writeFileSync(
    fileURLToPath(new URL('./last-results.json', import.meta.url)),
    `${JSON.stringify(results, null, 2)}\n`,
  );
  updateGeneratedBlock(fileURLToPath(new URL('../docs/benchmarks.md', import.meta.url)), report, '## Figures');
  updateGeneratedBlock(
    fileURLToPath(new URL('../README.md', import.meta.url)),
    renderSummary(results),
    '## Performance',
  );
  console.info('docs/benchmarks.md, README.md (its summary) and bench/last-results.json updated');
}
// autocannon and ssh2 may leave sockets winding down: every server has been stopped.
process.exit(0);
