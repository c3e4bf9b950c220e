import { readFileSync, writeFileSync } from 'node:fs';
import { DEFAULT_START_BEFORE_REPLY as START_BEFORE_REPLY } from '../src/slice/slice.js';
import type { EndpointRow } from './endpoint-bench.js';
import { type Contender, type FanoutTrial, median } from './fanout-bench.js';
import { hopTable } from './hop-table.js';
import type { Machine } from './machine.js';
import { type RestartResult, restartSummary } from './restart-bench.js';
import type { ScaleResult } from './scale-bench.js';

export interface BenchResults {
  command: string;
  machine: Machine;
  disk: string;
  date: string;
  endpoint: EndpointRow[];
  fanout: FanoutTrial[];
  scale?: ScaleResult;
  restart?: RestartResult;
}

const BEGIN = '<!-- bench:begin (written by npm run bench) -->';
const END = '<!-- bench:end -->';
const QUIET_LOAD = 2;

const n = (value: number, digits = 0): string =>
  value.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const ratio = (value: number): string => `${n(value, value < 10 ? 2 : 1)}×`;
/** autocannon's latencies are whole milliseconds. */
const ms = (value: number): string => (value < 1 ? '<1' : n(value));
const verdict = (met: boolean): string => (met ? '**met**' : '**missed**');

/** The generated part of docs/benchmarks.md: tables, targets, machine and command. */
export function renderReport(results: BenchResults): string {
  const { machine } = results;
  const loads = Object.entries(machine.loadAtStart ?? {});
  const loaded =
    machine.loadBefore > QUIET_LOAD ||
    (machine.loadAfter ?? 0) > QUIET_LOAD ||
    loads.some(([, load]) => load > QUIET_LOAD);
  const perPart =
    loads.length > 0
      ? ` (as each part started: ${loads.map(([part, load]) => `${part} ${n(load, 2)}`).join(', ')})`
      : '';
  const lines = [
    `Measured ${results.date} UTC with \`${results.command}\` on ${machine.nproc} cores (${machine.cpu}), Node ${machine.node}; journal on \`${results.disk}\`; ` +
      `1-minute load average ${n(machine.loadBefore, 2)} before${perPart}, ${n(machine.loadAfter ?? 0, 2)} after.`,
    ...(loaded
      ? [
          '',
          `**Partly taken under load** (the load average was above ${QUIET_LOAD} on ${machine.nproc} cores at some point of the run — other work on this shared machine; the load averages above say when): absolute figures taken then are inflated and noisy; the ratios, measured side by side, less so.`,
        ]
      : []),
    '',
    ...endpointTable(results.endpoint),
    ...fanoutTable(results.fanout),
    ...hopTable(results.fanout),
    ...scaleTable(results.scale),
    ...restartTable(results.restart),
    ...targets(results),
  ];
  return lines.join('\n');
}

function endpointTable(rows: readonly EndpointRow[]): string[] {
  if (rows.length === 0) return [];
  const calls = [...new Set(rows.map((row) => row.call))];
  const cell = (row: EndpointRow | undefined): string =>
    row
      ? `${n(row.requestsPerSecond)} (${ms(row.p50Ms)} / ${ms(row.p99Ms)})${row.failures > 0 ? ` ⚠ ${row.failures} failed` : ''}`
      : '—';
  const lines = [
    'Endpoint, one autocannon connection (keep-alive), 10 s per cell: requests/s (p50 / p99 latency in ms). The nodes named were already drained (as in every countdown call after the first); each call is journaled.',
    '',
    '| call | agent (journal, no-op SSH) | Python stub | bare node:http (floor) | agent ÷ Python | agent ÷ floor |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const call of calls) {
    const of = (server: EndpointRow['server']) => rows.find((row) => row.call === call && row.server === server);
    const [agent, python, bare] = [of('agent'), of('python'), of('bare')];
    const over = (other: EndpointRow | undefined) =>
      agent && other ? ratio(agent.requestsPerSecond / other.requestsPerSecond) : '—';
    lines.push(`| ${call} | ${cell(agent)} | ${cell(python)} | ${cell(bare)} | ${over(python)} | ${over(bare)} |`);
  }
  return [...lines, ''];
}

export function fanoutSummary(trials: readonly FanoutTrial[], nodes: number, contender: Contender) {
  const mine = trials.filter((t) => t.nodes === nodes && t.contender === contender);
  if (mine.length === 0) return undefined;
  return {
    makespanMs: median(mine.map((t) => t.makespanMs)),
    reactionMs: median(mine.map((t) => t.reactionMs)),
    nodeStartP50Ms: median(mine.map((t) => t.nodeStartP50Ms)),
    dispatchMs: mine[0]?.dispatchMs === undefined ? undefined : median(mine.map((t) => t.dispatchMs ?? 0)),
    trials: mine.length,
  };
}

function fanoutTable(trials: readonly FanoutTrial[]): string[] {
  if (trials.length === 0) return [];
  const sizes = [...new Set(trials.map((t) => t.nodes))];
  const lines = [
    'Drain fan-out, one OpenSSH sshd on loopback standing for every node, one step per node (`date +%s%N > stamp`, verified by `test -s stamp`), 32 parallel connects for both; medians over the trials. ' +
      'Makespan: call sent (pdsh started) → last node verified (pdsh exited). Reaction: call sent → first command running on a node, from the stamps (node start: the median node); first command sent: the agent handing it to its open connection.',
    '',
    '| nodes | pdsh makespan | agent makespan, connections held | agent ÷ pdsh | agent, connecting on demand | reaction p50: agent / pdsh | node start p50: agent / pdsh | first command sent (agent) |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const nodes of sizes) {
    const held = fanoutSummary(trials, nodes, 'agent, connections held');
    const cold = fanoutSummary(trials, nodes, 'agent, connecting on demand');
    const pdsh = fanoutSummary(trials, nodes, 'pdsh -R ssh');
    const ms = (value: number | undefined): string => (value === undefined ? '—' : `${n(value)} ms`);
    lines.push(
      `| ${nodes} | ${ms(pdsh?.makespanMs)} | ${ms(held?.makespanMs)} | ${held && pdsh ? ratio(held.makespanMs / pdsh.makespanMs) : '—'} | ${ms(cold?.makespanMs)} | ` +
        `${ms(held?.reactionMs)} / ${ms(pdsh?.reactionMs)} | ${ms(held?.nodeStartP50Ms)} / ${ms(pdsh?.nodeStartP50Ms)} | ${ms(held?.dispatchMs)} |`,
    );
  }
  return [
    ...lines,
    `(${Math.max(...sizes.map((s) => fanoutSummary(trials, s, 'pdsh -R ssh')?.trials ?? 0))} trials of each; on-demand once per size.)`,
    '',
  ];
}

function scaleTable(scale: ScaleResult | undefined): string[] {
  if (!scale) return [];
  return [
    `Scale: one slice of ${n(scale.nodes)} nodes (no-op SSH runner, real journal; body and node-count limits raised for this run only).`,
    '',
    `| nodes | countdown body | build the slice (actors start on first use) | RSS: one-node agent / after build / after every drain / ${scale.idleSeconds ?? 60} s later | heap used: after every drain / ${scale.idleSeconds ?? 60} s later | first countdown answered | every drain done, after that reply | repeated countdown |`,
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    `| ${n(scale.nodes)} | ${n(scale.bodyBytes / 1024 / 1024, 1)} MB | ${n(scale.buildMs)} ms | ${n(scale.rssOneNodeMb)} / ${n(scale.rssAfterBuildMb)} / ${n(scale.rssAfterCallsMb)} / ${n(scale.rssAfterIdleMb)} MB | ${n(scale.heapAfterCallsMb)} / ${n(scale.heapAfterIdleMb)} MB | ${n(scale.firstCallMs)} ms${scale.firstCallCode === 0 ? '' : ` (answered code ${scale.firstCallCode})`} | ${n(scale.drainsSettledMs)} ms | ${n(scale.repeatCallMs)} ms |`,
    '',
    `The first countdown starts ${START_BEFORE_REPLY} drains before it answers and the others right after its reply, a slice of the event loop at a time.`,
    '',
  ];
}

function restartTable(restart: RestartResult | undefined): string[] {
  if (!restart) return [];
  const r = restartSummary(restart);
  return [
    `Restart: an agent of ${n(restart.nodes)} nodes through a long wave (the first countdown drained every node, then ${n(restart.repeats)} repeated countdowns back to back, each nearer its deadline${restart.repeats === 1440 ? ': a day of one a minute' : ''}), killed with SIGKILL; then, alternating (${restart.restart.length} trial${restart.restart.length === 1 ? '' : 's'} each), that state directory restarted and an empty one started. Process start → listening → the same countdown answered; memory right after.`,
    '',
    '| state directory | listening: restart / fresh | first countdown answered: restart / fresh | restart ÷ fresh | RSS after: restart / fresh | heap used after the restart |',
    '|---:|---:|---:|---:|---:|---:|',
    `| ${n(restart.stateBytes / 1024 / 1024, 1)} MB | ${n(r.restartListenMs)} / ${n(r.freshListenMs)} ms | ${n(r.restartAnswerMs)} / ${n(r.freshAnswerMs)} ms | ${ratio(r.ratio)} | ${n(r.rssAfterRestartMb)} / ${n(r.rssAfterFreshMb)} MB | ${n(r.heapAfterRestartMb)} MB |`,
    '',
  ];
}

function targets(results: BenchResults): string[] {
  const lines = ['Targets (measured, not asserted):', ''];
  const calls = [...new Set(results.endpoint.map((row) => row.call))];
  for (const call of calls) {
    const rps = (server: EndpointRow['server']) =>
      results.endpoint.find((r) => r.call === call && r.server === server)?.requestsPerSecond ?? 0;
    const over = rps('agent') / rps('python');
    lines.push(`- endpoint ≥ 3× the Python stub, ${call}: ${ratio(over)}, ${verdict(over >= 3)}`);
  }
  for (const nodes of [...new Set(results.fanout.map((t) => t.nodes))]) {
    const held = fanoutSummary(results.fanout, nodes, 'agent, connections held');
    const pdsh = fanoutSummary(results.fanout, nodes, 'pdsh -R ssh');
    if (!held || !pdsh) continue;
    lines.push(
      `- fan-out makespan ≤ ½ pdsh's, ${nodes} nodes: ${ratio(held.makespanMs / pdsh.makespanMs)}, ${verdict(held.makespanMs <= pdsh.makespanMs / 2)}`,
    );
    lines.push(`- reaction p50 < 50 ms, ${nodes} nodes: ${n(held.reactionMs)} ms, ${verdict(held.reactionMs < 50)}`);
  }
  const { scale } = results;
  if (scale) {
    lines.push(
      `- ${n(scale.nodes)} nodes in < 150 MB RSS, the slice at rest: ${n(scale.rssAfterBuildMb)} MB, ${verdict(scale.rssAfterBuildMb < 150)}`,
    );
    lines.push(
      `- ${n(scale.nodes)} nodes in < 150 MB RSS, ${scale.idleSeconds} s after every node drained: ${n(scale.rssAfterIdleMb)} MB, ${verdict(scale.rssAfterIdleMb < 150)} (right after: ${n(scale.rssAfterCallsMb)} MB)`,
    );
    lines.push(
      `- a ${n(scale.nodes)}-node call answered in < 1 s: repeated countdown ${n(scale.repeatCallMs)} ms, ${verdict(scale.repeatCallMs < 1000)}; the first one, which starts every drain, ${n(scale.firstCallMs)} ms, ${verdict(scale.firstCallMs < 1000)}`,
    );
  }
  if (results.restart) {
    const r = restartSummary(results.restart);
    lines.push(
      `- restart after a long wave (${n(results.restart.nodes)} nodes, ${n(results.restart.repeats)} repeated countdowns) ≤ 1.5× a fresh start, to the first countdown answered: ${ratio(r.ratio)}, ${verdict(r.ratio <= 1.5)}; RSS after it < 150 MB: ${n(r.rssAfterRestartMb)} MB, ${verdict(r.rssAfterRestartMb < 150)}`,
    );
  }
  return lines;
}

/** The README's short form of a run: when and where, and each target met or missed. */
export function renderSummary(results: BenchResults): string {
  const { machine } = results;
  return [
    `Measured ${results.date} UTC with \`${results.command}\` on ${machine.nproc} cores (${machine.cpu}), Node ${machine.node};` +
      ' the tables, the method and what bounds the figures: [docs/benchmarks.md](docs/benchmarks.md).',
    '',
    ...targets(results),
  ]
    .join('\n')
    .trimEnd();
}

/** Replaces a document's generated benchmark block (adding it under `heading` if missing). */
export function updateGeneratedBlock(path: string, text: string, heading: string): void {
  const doc = readFileSync(path, 'utf8');
  const block = `${BEGIN}\n${text}\n${END}`;
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  const next =
    start !== -1 && end > start
      ? doc.slice(0, start) + block + doc.slice(end + END.length)
      : `${doc.trimEnd()}\n\n${heading}\n\n${block}\n`;
  writeFileSync(path, next);
}
